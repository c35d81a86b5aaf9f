import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Where the generated key lives when WEBHOOK_SECRET_KEY is not set. */
export const GENERATED_KEY_FILE = 'webhook-secret.key';

const VERSION = 'v1';

/** A key that cannot decrypt the stored secrets: start-up stops with this message. */
export class WebhookKeyError extends Error {
  override name = 'WebhookKeyError';
}

/**
 * AES-256-GCM for the webhooks' signing secrets: a database dump alone cannot sign. The webhook's id is the
 * additional authenticated data, so a ciphertext copied onto another webhook's row does not decrypt.
 * Stored form: `v1.<iv>.<tag>.<ciphertext>` (base64url).
 */
export class SecretBox {
  constructor(private readonly key: Buffer) {
    if (key.length !== 32) throw new Error('the webhook secret key must be 32 bytes');
  }

  seal(plaintext: string, id: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    cipher.setAAD(Buffer.from(id));
    const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return [VERSION, iv, cipher.getAuthTag(), ciphertext].map((p) => (typeof p === 'string' ? p : p.toString('base64url'))).join('.');
  }

  /** Throws WebhookKeyError when this key did not seal it (or it was tampered with). */
  open(sealed: string, id: string): string {
    const [version, iv, tag, ciphertext] = sealed.split('.');
    if (version !== VERSION || !iv || !tag || ciphertext === undefined) throw new WebhookKeyError('unknown secret encoding');
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.key, Buffer.from(iv, 'base64url'));
      decipher.setAAD(Buffer.from(id));
      decipher.setAuthTag(Buffer.from(tag, 'base64url'));
      return Buffer.concat([decipher.update(Buffer.from(ciphertext, 'base64url')), decipher.final()]).toString('utf8');
    } catch {
      throw new WebhookKeyError('the key does not decrypt this secret');
    }
  }
}

/**
 * The key, when there is one yet: WEBHOOK_SECRET_KEY when set; with DATA_DIR ':memory:' a random one for this
 * process; else the key file `<DATA_DIR>/webhook-secret.key` when it exists (null: none yet, see createKeyFile).
 */
export function readSecretKey(configured: Buffer | null, dataDir: string): { key: Buffer; source: 'env' | 'memory' | 'file' } | null {
  if (configured) return { key: configured, source: 'env' };
  if (dataDir === ':memory:') return { key: randomBytes(32), source: 'memory' };
  const file = join(dataDir, GENERATED_KEY_FILE);
  if (!existsSync(file)) return null;
  const key = Buffer.from(readFileSync(file, 'utf8').trim(), 'base64');
  if (key.length !== 32) throw new WebhookKeyError(`WEBHOOK_SECRET_KEY is not set and ${file} does not hold a 32-byte base64 key; set WEBHOOK_SECRET_KEY or restore the file.`);
  return { key, source: 'file' };
}

/** Generates the key file (mode 0600) on first need; a process that loses the race reads the winner's key. */
export function createKeyFile(dataDir: string): { key: Buffer; file: string } {
  const file = join(dataDir, GENERATED_KEY_FILE);
  mkdirSync(dataDir, { recursive: true });
  const key = randomBytes(32);
  try {
    writeFileSync(file, `${key.toString('base64')}\n`, { mode: 0o600, flag: 'wx' });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    return { key: readSecretKey(null, dataDir)!.key, file };
  }
  chmodSync(file, 0o600);
  return { key, file };
}
