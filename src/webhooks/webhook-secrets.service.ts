import { randomBytes } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import type { Logger } from 'pino';
import { ServiceError } from '../common/service-error';
import { APP_CONFIG, type AppConfig } from '../config/app-config';
import { LOGGER } from '../logging/logger';
import { WebhooksRepository } from '../repositories/webhooks.repository';
import { createKeyFile, GENERATED_KEY_FILE, readSecretKey, SecretBox, WebhookKeyError } from './secret-box';

/** Standard Webhooks secrets: `whsec_` + base64 of 32 random bytes. */
export function newWebhookSecret(): string {
  return `whsec_${randomBytes(32).toString('base64')}`;
}

/**
 * Seals and opens the webhooks' signing secrets with the process's key: WEBHOOK_SECRET_KEY, or a key generated into
 * DATA_DIR when the first secret is sealed (so a service without webhooks writes nothing). At start-up, a key that
 * cannot open the stored secrets (or no key while secrets are stored) stops the service: it could never sign.
 */
@Injectable()
export class WebhookSecrets {
  private box: SecretBox | null;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(LOGGER) private readonly logger: Logger,
    private readonly repository: WebhooksRepository,
  ) {
    const found = readSecretKey(config.webhooks.secretKey, config.dataDir);
    this.box = found ? new SecretBox(found.key) : null;
    if (found?.source === 'file') this.warnIfShared();
  }

  private warnIfShared(): void {
    if (this.config.storage.kind !== 'postgres') return;
    this.logger.warn(
      { file: `${this.config.dataDir}/${GENERATED_KEY_FILE}` },
      'WEBHOOK_SECRET_KEY is not set: webhook secrets are encrypted with a key generated in DATA_DIR; every process on this database needs the same key, so set WEBHOOK_SECRET_KEY',
    );
  }

  private sealingBox(): SecretBox {
    if (this.box) return this.box;
    try {
      const { key, file } = createKeyFile(this.config.dataDir);
      this.box = new SecretBox(key);
      this.logger.info({ file }, 'generated the webhook secret key (keep it with the data, or set WEBHOOK_SECRET_KEY)');
      this.warnIfShared();
      return this.box;
    } catch (err) {
      throw new ServiceError(
        'unavailable',
        'WEBHOOK_KEY_UNAVAILABLE',
        `No key to encrypt webhook secrets: WEBHOOK_SECRET_KEY is not set and DATA_DIR is not writable (${(err as NodeJS.ErrnoException).code ?? 'error'}); set WEBHOOK_SECRET_KEY.`,
      );
    }
  }

  seal(secret: string, webhookId: string): string {
    return this.sealingBox().seal(secret, webhookId);
  }

  open(sealed: string, webhookId: string): string {
    if (!this.box) throw new WebhookKeyError('no webhook secret key');
    return this.box.open(sealed, webhookId);
  }

  /** Throws WebhookKeyError naming WEBHOOK_SECRET_KEY when a stored secret does not open with this key. */
  async check(): Promise<void> {
    let stored: { id: string; secretEncrypted: string }[];
    try {
      stored = await this.repository.secrets();
    } catch {
      return; // not migrated yet (PostgreSQL still coming up): nothing stored can be checked, and the table is new
    }
    if (stored.length > 0 && !this.box) {
      throw new WebhookKeyError(
        `WEBHOOK_SECRET_KEY: ${stored.length} webhook secrets are stored but there is no key to decrypt them: WEBHOOK_SECRET_KEY is not set ` +
          `and DATA_DIR has no ${GENERATED_KEY_FILE}; start with the WEBHOOK_SECRET_KEY they were encrypted with (or restore the file), or delete those webhooks.`,
      );
    }
    const unreadable = stored.filter((w) => {
      try {
        this.open(w.secretEncrypted, w.id);
        return false;
      } catch {
        return true;
      }
    });
    if (unreadable.length > 0) {
      throw new WebhookKeyError(
        `WEBHOOK_SECRET_KEY: the webhook secret key of this process cannot decrypt ${unreadable.length} of ${stored.length} stored webhook secrets ` +
          `(e.g. webhook ${unreadable[0].id}); start with the WEBHOOK_SECRET_KEY they were encrypted with (or the ${GENERATED_KEY_FILE} file of DATA_DIR), or delete those webhooks.`,
      );
    }
  }
}
