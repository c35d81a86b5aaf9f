import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Inject, Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import type { Logger } from 'pino';
import { APP_CONFIG, type AppConfig } from '../config/app-config';
import { LOGGER } from '../logging/logger';
import { ApiKeysService } from './api-keys.service';
import { SYSTEM_CALLER } from '../auth/principal';

/**
 * With no ADMIN_TOKEN and no key yet, the first start creates an admin key, prints its token once on stdout
 * and writes it to <DATA_DIR>/admin.token (mode 0600). The token never goes through the logger.
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
    process.stdout.write(
      `\nCreated the first admin API key (shown once${file ? `, also written to ${file}` : ''}):\n  ${created.token}\n\n`,
    );
    this.logger.info({ keyId: created.id, file }, 'created the first admin API key');
  }
}
