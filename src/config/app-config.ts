import { resolve } from 'node:path';
import { z } from 'zod';

/** Where the data lives: a PostgreSQL server, or embedded PGlite in a directory (null: in memory, for tests). */
export type StorageConfig = { kind: 'postgres'; url: string } | { kind: 'pglite'; dataDir: string | null };

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

/** The typed configuration. Only src/config reads process.env; everything else receives this object. */
export interface AppConfig {
  port: number;
  host: string;
  storage: StorageConfig;
  /** DATA_DIR even when PostgreSQL is used: the generated admin token is written there. */
  dataDir: string;
  adminToken: string | null;
  logLevel: LogLevel;
  /** Apply pending migrations at start-up (MIGRATE_ON_START, default true). */
  migrateOnStart: boolean;
  /** Portal origins allowed by CORS (CORS_ORIGINS, comma-separated; empty: no cross-origin access). */
  corsOrigins: string[];
  /** Requests per minute per API key (or per IP without a key); 0 disables rate limiting. */
  rateLimitPerMinute: number;
  /** Largest request body in bytes (fixed by API.md's 1 MiB limit, configurable downwards). */
  bodyLimitBytes: number;
  /** How long to wait for in-flight requests at shutdown. */
  shutdownTimeoutMs: number;
  /** How long SIGTERM keeps serving (readyz 503, Connection: close) before it closes the server. */
  shutdownDrainMs: number;
  /** Size of the PostgreSQL connection pool. */
  databasePoolSize: number;
  /** Webhook delivery (API.md "Events and webhooks"); see src/webhooks. */
  webhooks: WebhookSettings;
  /** The portal's base URL, for links in chat messages (PUBLIC_URL; null: no links). */
  publicUrl: string | null;
}

export interface WebhookSettings {
  /** WEBHOOK_SECRET_KEY: 32 bytes (base64 or hex) that encrypt the signing secrets at rest; null: a key in DATA_DIR. */
  secretKey: Buffer | null;
  /** WEBHOOK_ALLOW_PRIVATE: allow loopback, private, link-local and metadata addresses (tests, on-premises receivers). */
  allowPrivate: boolean;
  /** WEBHOOK_MAX_ATTEMPTS (default 8): attempts before a delivery is failed. */
  maxAttempts: number;
  /** WEBHOOK_BACKOFF_BASE_MS (default 20 s): the first retry's delay; each next one is 4 times longer (with jitter). */
  backoffBaseMs: number;
  /** WEBHOOK_TIMEOUT_MS (default 10 s): the whole attempt, connection to the end of the answer. */
  timeoutMs: number;
  /** WEBHOOK_CONCURRENCY (default 16): attempts in flight at once per process. */
  concurrency: number;
  /** WEBHOOK_POLL_MS (default 30 s): the safety-net poll (commits and NOTIFY wake the dispatcher at once). */
  pollMs: number;
}

/** WEBHOOK_SECRET_KEY: 32 bytes as base64 (44 characters) or hex (64 characters). */
function secretKeyOf(value: string): Buffer | null {
  if (/^[0-9a-fA-F]{64}$/.test(value)) return Buffer.from(value, 'hex');
  if (/^[A-Za-z0-9+/_-]{43}=?$/.test(value)) {
    const key = Buffer.from(value.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
    return key.length === 32 ? key : null;
  }
  return null;
}

const bool = (name: string) =>
  z
    .enum(['true', 'false', '1', '0', 'yes', 'no'], { message: `${name} must be true or false` })
    .transform((v) => v === 'true' || v === '1' || v === 'yes');

const int = (name: string, min: number, max: number) =>
  z
    .string()
    .regex(/^\d+$/, `${name} must be a whole number`)
    .transform(Number)
    .refine((n) => n >= min && n <= max, `${name} must be between ${min} and ${max}`);

const envSchema = z.object({
  PORT: int('PORT', 0, 65535).default(3000),
  HOST: z.string().min(1, 'HOST must not be empty').default('0.0.0.0'),
  DATA_DIR: z.string().min(1, 'DATA_DIR must not be empty').default('./data'),
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\/.+/, 'DATABASE_URL must be a postgresql:// URL (leave it unset for embedded PGlite)')
    .optional(),
  ADMIN_TOKEN: z.string().min(16, 'ADMIN_TOKEN must be at least 16 characters').optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  MIGRATE_ON_START: bool('MIGRATE_ON_START').default(true),
  CORS_ORIGINS: z
    .string()
    .default('')
    .transform((v) => v.split(',').map((s) => s.trim()).filter(Boolean))
    .refine((list) => list.every((o) => /^https?:\/\/[^/]+$/.test(o)), 'CORS_ORIGINS must be comma-separated origins like https://portal.example.com'),
  RATE_LIMIT_PER_MINUTE: int('RATE_LIMIT_PER_MINUTE', 0, 1_000_000).default(600),
  BODY_LIMIT_BYTES: int('BODY_LIMIT_BYTES', 1024, 1024 * 1024).default(1024 * 1024),
  SHUTDOWN_TIMEOUT_MS: int('SHUTDOWN_TIMEOUT_MS', 0, 600_000).default(10_000),
  SHUTDOWN_DRAIN_MS: int('SHUTDOWN_DRAIN_MS', 0, 600_000).default(1_000),
  DATABASE_POOL_SIZE: int('DATABASE_POOL_SIZE', 1, 100).default(10),
  WEBHOOK_SECRET_KEY: z
    .string()
    .refine((v) => secretKeyOf(v) !== null, 'WEBHOOK_SECRET_KEY must be 32 random bytes as base64 (openssl rand -base64 32) or 64 hex characters')
    .optional(),
  WEBHOOK_ALLOW_PRIVATE: bool('WEBHOOK_ALLOW_PRIVATE').default(false),
  WEBHOOK_MAX_ATTEMPTS: int('WEBHOOK_MAX_ATTEMPTS', 1, 50).default(8),
  WEBHOOK_BACKOFF_BASE_MS: int('WEBHOOK_BACKOFF_BASE_MS', 1, 3_600_000).default(20_000),
  WEBHOOK_TIMEOUT_MS: int('WEBHOOK_TIMEOUT_MS', 100, 60_000).default(10_000),
  WEBHOOK_CONCURRENCY: int('WEBHOOK_CONCURRENCY', 1, 256).default(16),
  WEBHOOK_POLL_MS: int('WEBHOOK_POLL_MS', 50, 3_600_000).default(30_000),
  PUBLIC_URL: z
    .string()
    .regex(/^https?:\/\/[^\s/?#]+(\/[^\s?#]*)?$/, 'PUBLIC_URL must be an http(s) URL like https://proxy-config.example.com')
    .transform((v) => v.replace(/\/+$/, ''))
    .optional(),
});

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** Reads and validates the environment. Throws ConfigError naming every bad variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): AppConfig {
  const input: Record<string, string> = {};
  for (const key of Object.keys(envSchema.shape)) {
    const value = env[key];
    if (value !== undefined && value !== '') input[key] = value;
  }
  const parsed = envSchema.safeParse(input);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
    throw new ConfigError(`Invalid configuration: ${problems.join('; ')}`);
  }
  const e = parsed.data;
  const dataDir = e.DATA_DIR === ':memory:' ? ':memory:' : resolve(e.DATA_DIR);
  return {
    port: e.PORT,
    host: e.HOST,
    storage: e.DATABASE_URL
      ? { kind: 'postgres', url: e.DATABASE_URL }
      : { kind: 'pglite', dataDir: dataDir === ':memory:' ? null : dataDir },
    dataDir,
    adminToken: e.ADMIN_TOKEN ?? null,
    logLevel: e.LOG_LEVEL,
    migrateOnStart: e.MIGRATE_ON_START,
    corsOrigins: e.CORS_ORIGINS,
    rateLimitPerMinute: e.RATE_LIMIT_PER_MINUTE,
    bodyLimitBytes: e.BODY_LIMIT_BYTES,
    shutdownTimeoutMs: e.SHUTDOWN_TIMEOUT_MS,
    shutdownDrainMs: e.SHUTDOWN_DRAIN_MS,
    databasePoolSize: e.DATABASE_POOL_SIZE,
    webhooks: {
      secretKey: e.WEBHOOK_SECRET_KEY ? secretKeyOf(e.WEBHOOK_SECRET_KEY) : null,
      allowPrivate: e.WEBHOOK_ALLOW_PRIVATE,
      maxAttempts: e.WEBHOOK_MAX_ATTEMPTS,
      backoffBaseMs: e.WEBHOOK_BACKOFF_BASE_MS,
      timeoutMs: e.WEBHOOK_TIMEOUT_MS,
      concurrency: e.WEBHOOK_CONCURRENCY,
      pollMs: e.WEBHOOK_POLL_MS,
    },
    publicUrl: e.PUBLIC_URL ?? null,
  };
}

/** Injection token for AppConfig. */
export const APP_CONFIG = Symbol('APP_CONFIG');
