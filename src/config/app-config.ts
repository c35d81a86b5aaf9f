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
  };
}

/** Injection token for AppConfig. */
export const APP_CONFIG = Symbol('APP_CONFIG');
