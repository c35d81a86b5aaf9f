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
  /** OpenID Connect bearer tokens beside API keys (OIDC_*), or null when OIDC_ISSUER is unset. */
  oidc: OidcConfig | null;
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

export interface OidcConfig {
  /** OIDC_ISSUER: tokens' `iss` must equal it; discovery at <issuer>/.well-known/openid-configuration. */
  issuer: string;
  /** OIDC_AUDIENCE: tokens' `aud` must hold it (Entra ID v2.0: the API's application (client) ID). */
  audience: string;
  /** OIDC_ACTOR_CLAIM: the claim naming the person; null: preferred_username, upn, email, sub (first present). */
  actorClaim: string | null;
  /** OIDC_ROLES_CLAIM (default `roles`). */
  rolesClaim: string;
  /** OIDC_ROLE_MAP (`Value=role,...`): claim value to role; null: the role names count as themselves. */
  roleMap: Record<string, string[]> | null;
  /** OIDC_JWKS_MAX_AGE_S (default 600): the issuer's keys are used at most this long before being fetched again. */
  jwksMaxAgeSeconds: number;
  /** OIDC_JWKS_COOLDOWN_S (default 30): an unknown `kid` fetches the keys again at most once per this long. */
  jwksCooldownSeconds: number;
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

const CLAIM_NAME = /^[A-Za-z0-9_.:-]{1,128}$/;
/** The service's roles (auth/roles.ts has them too; config imports nothing of the app). */
const ROLE_NAMES = ['reader', 'submitter', 'approver', 'admin'];

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
  OIDC_ISSUER: z
    .string()
    .refine(isIssuerUrl, 'OIDC_ISSUER must be an https:// URL without query or fragment (http:// only on a loopback address), e.g. https://login.microsoftonline.com/<tenant-id>/v2.0')
    .optional(),
  OIDC_AUDIENCE: z.string().max(512, 'OIDC_AUDIENCE must be at most 512 characters').optional(),
  OIDC_ACTOR_CLAIM: z.string().regex(CLAIM_NAME, 'OIDC_ACTOR_CLAIM must be a claim name (letters, digits, _ - . :)').optional(),
  OIDC_ROLES_CLAIM: z.string().regex(CLAIM_NAME, 'OIDC_ROLES_CLAIM must be a claim name (letters, digits, _ - . :)').default('roles'),
  OIDC_ROLE_MAP: z
    .string()
    .transform((v, ctx) => {
      const map = parseRoleMap(v);
      if (typeof map === 'string') {
        ctx.addIssue({ code: 'custom', message: map });
        return z.NEVER;
      }
      return map;
    })
    .optional(),
  OIDC_JWKS_MAX_AGE_S: int('OIDC_JWKS_MAX_AGE_S', 1, 86_400).default(600),
  OIDC_JWKS_COOLDOWN_S: int('OIDC_JWKS_COOLDOWN_S', 0, 3_600).default(30),
});

/** An issuer URL as OpenID Connect Discovery requires: https, no query or fragment; http only on loopback (tests). */
function isIssuerUrl(value: string): boolean {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return false;
  }
  if (url.search || url.hash || url.username || url.password) return false;
  if (url.protocol === 'https:') return true;
  return url.protocol === 'http:' && ['127.0.0.1', '[::1]', 'localhost'].includes(url.hostname);
}

/** `Value=role,Value2=role2` (a value may map to several roles when named twice); a message when malformed. */
export function parseRoleMap(text: string): Record<string, string[]> | string {
  const map: Record<string, string[]> = Object.create(null) as Record<string, string[]>;
  for (const part of text.split(',').map((p) => p.trim()).filter(Boolean)) {
    const eq = part.lastIndexOf('=');
    const value = eq > 0 ? part.slice(0, eq).trim() : '';
    const role = eq > 0 ? part.slice(eq + 1).trim() : '';
    if (!value || !role) return `OIDC_ROLE_MAP must be Value=role pairs separated by commas; "${part}" is not one`;
    if (!ROLE_NAMES.includes(role)) return `OIDC_ROLE_MAP maps "${value}" to "${role}", which is not one of ${ROLE_NAMES.join(', ')}`;
    if (!(map[value] ??= []).includes(role)) map[value].push(role);
  }
  if (Object.keys(map).length === 0) return 'OIDC_ROLE_MAP must hold at least one Value=role pair';
  return map;
}

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
  if (e.OIDC_ISSUER && !e.OIDC_AUDIENCE) {
    throw new ConfigError('Invalid configuration: OIDC_AUDIENCE: required when OIDC_ISSUER is set (the API\'s audience, e.g. its Entra ID application (client) ID)');
  }
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
    oidc: e.OIDC_ISSUER
      ? {
          issuer: e.OIDC_ISSUER,
          audience: e.OIDC_AUDIENCE!,
          actorClaim: e.OIDC_ACTOR_CLAIM ?? null,
          rolesClaim: e.OIDC_ROLES_CLAIM,
          roleMap: e.OIDC_ROLE_MAP ?? null,
          jwksMaxAgeSeconds: e.OIDC_JWKS_MAX_AGE_S,
          jwksCooldownSeconds: e.OIDC_JWKS_COOLDOWN_S,
        }
      : null,
  };
}

/** Injection token for AppConfig. */
export const APP_CONFIG = Symbol('APP_CONFIG');
