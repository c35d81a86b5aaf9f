import { randomBytes } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import type { Logger } from 'pino';
import { APP_CONFIG, type AppConfig } from '../config/app-config';
import { LOGGER } from '../logging/logger';
import { WebhooksRepository } from '../repositories/webhooks.repository';
import { loadSecretKey, SecretBox, WebhookKeyError } from './secret-box';

/** Standard Webhooks secrets: `whsec_` + base64 of 32 random bytes. */
export function newWebhookSecret(): string {
  return `whsec_${randomBytes(32).toString('base64')}`;
}

/**
 * Seals and opens the webhooks' signing secrets with the process's key (WEBHOOK_SECRET_KEY, or one generated into
 * DATA_DIR). At start-up, a key that cannot open the stored secrets stops the service: it could never sign.
 */
@Injectable()
export class WebhookSecrets {
  private readonly box: SecretBox;

  constructor(
    @Inject(APP_CONFIG) config: AppConfig,
    @Inject(LOGGER) logger: Logger,
    private readonly repository: WebhooksRepository,
  ) {
    const { key, source, file } = loadSecretKey(config.webhooks.secretKey, config.dataDir);
    this.box = new SecretBox(key);
    if (source === 'file' && config.storage.kind === 'postgres') {
      logger.warn(
        { file },
        'WEBHOOK_SECRET_KEY is not set: webhook secrets are encrypted with a key generated in DATA_DIR; every process on this database needs the same key, so set WEBHOOK_SECRET_KEY',
      );
    }
  }

  seal(secret: string, webhookId: string): string {
    return this.box.seal(secret, webhookId);
  }

  open(sealed: string, webhookId: string): string {
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
    const unreadable = stored.filter((w) => {
      try {
        this.box.open(w.secretEncrypted, w.id);
        return false;
      } catch {
        return true;
      }
    });
    if (unreadable.length > 0) {
      throw new WebhookKeyError(
        `WEBHOOK_SECRET_KEY: the webhook secret key of this process cannot decrypt ${unreadable.length} of ${stored.length} stored webhook secrets ` +
          `(e.g. webhook ${unreadable[0].id}); start with the WEBHOOK_SECRET_KEY they were encrypted with (or the webhook-secret.key file of DATA_DIR), or delete those webhooks.`,
      );
    }
  }
}
