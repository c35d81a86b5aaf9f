import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Inject, Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import type { Logger } from 'pino';
import { APP_CONFIG, type AppConfig } from '../config/app-config';
import { LOGGER } from '../logging/logger';
import { ApiKeysService } from './api-keys.service';
import { SYSTEM_CALLER } from '../auth/principal';

/** The marker that starts the one stderr line holding the generated admin token. */
export const ADMIN_TOKEN_LINE_MARKER = '*** ADMIN TOKEN ***';

/** The one line (stderr) that shows the first admin key's token. */
export function adminTokenLine(token: string, file: string | null): string {
  return `${ADMIN_TOKEN_LINE_MARKER} aks-proxy-config created the first admin API key; shown once${file ? `, also written to ${file}` : ''}: ${token}\n`;
}

/**
 * With no ADMIN_TOKEN and no key yet, the first start creates an admin key, prints its token once on stderr as its
 * own marked line (not on stdout, where the JSON log lines go) and writes it to <DATA_DIR>/admin.token (mode 0600).
 * The token never goes through the logger, which only says that a key was created and where the token is.
 */
@Injectable()
export class AdminBootstrapService implements OnApplicationBootstrap {
  constructor(
    private readonly apiKeys: ApiKeysService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    if (this.config.adminToken) return;
    let created;
    try {
      if ((await this.apiKeys.count()) > 0) return;
      created = await this.apiKeys.create({ name: 'admin', roles: ['admin'] }, SYSTEM_CALLER);
    } catch (err) {
      // The database is not reachable yet, or another process created the key first: nothing to do.
      this.logger.warn({ err: (err as Error).message }, 'admin key bootstrap skipped');
      return;
    }
    let file: string | null = null;
    if (this.config.dataDir !== ':memory:') {
      file = join(this.config.dataDir, 'admin.token');
      writeFileSync(file, created.token + '\n', { mode: 0o600 });
    }
    process.stderr.write(adminTokenLine(created.token, file));
    this.logger.info({ keyId: created.id, file }, 'created the first admin API key; its token is on stderr (shown once)');
  }
}
