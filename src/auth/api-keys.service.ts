import { randomBytes, timingSafeEqual } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { AuditService } from '../audit/audit.service';
import { CLOCK, type Clock } from '../common/clock';
import { badRequest, conflict, notFound } from '../common/service-error';
import { APP_CONFIG, type AppConfig } from '../config/app-config';
import { DatabaseService } from '../database/database.service';
import { type ApiKey, Prisma } from '../generated/prisma/client';
import { decodeCursor, type Page, toPage } from '../http/pagination';
import { tokenHashOf } from '../http/rate-limit-key';
import { parseRfc3339 } from '../common/text.validators';
import type { ApiKeyView, CreatedApiKeyView } from './api-key.dto';
import type { Caller } from './principal';
import type { Role } from './roles';

export interface AuthenticatedKey {
  id: string | null;
  name: string;
  roles: Role[];
  canActFor: boolean;
  /** From then on the key is refused; null: never. */
  expiresAt: Date | null;
}

const TOKEN_PREFIX = 'apc_';
/** Bound on the cached keys, and how long a cached key is trusted at most. */
const CACHE_MAX = 10_000;
const CACHE_TTL_MS = 5 * 60_000;
/**
 * Tokens that matched no key are remembered this long, so a flood of made-up tokens costs a database query per
 * distinct token per minute, not per request. Safe: a token only becomes valid when the service creates it, and a
 * newly created token has never been seen before (256 random bits).
 */
const UNKNOWN_TTL_MS = 60_000;
const UNKNOWN_MAX = 10_000;
/** NOTIFY channel on which a revocation reaches every process on the same database. */
const REVOKED_CHANNEL = 'api_key_revoked';
/** lastUsedAt is written at most this often per key (API.md "API keys"). */
const LAST_USED_EVERY_MS = 60_000;

const isUniqueViolation = (err: unknown) => err instanceof Prisma.PrismaClientKnownRequestError && err.code === 'P2002';
const exists = (name: string) =>
  conflict('API_KEY_EXISTS', `An API key named "${name}" already exists (names are case-insensitive); names identify actors and must be unique.`);

function view(row: ApiKey): ApiKeyView {
  return {
    id: row.id,
    name: row.name,
    roles: row.roles as Role[],
    canActFor: row.canActFor,
    tokenPrefix: row.tokenPrefix,
    createdBy: row.createdBy,
    createdAt: row.createdAt.toISOString(),
    revokedAt: row.revokedAt?.toISOString() ?? null,
    expiresAt: row.expiresAt?.toISOString() ?? null,
    lastUsedAt: row.lastUsedAt?.toISOString() ?? null,
  };
}

@Injectable()
export class ApiKeysService {
  private readonly adminTokenHash: Buffer | null;
  /**
   * Keys that authenticated lately, by token hash. Every request needs its key, and a database round trip per
   * request costs more than the rest of most requests. A revocation clears the key here at once: locally, and in
   * every other process through NOTIFY; while that channel is down the cache is not used at all.
   */
  private readonly cache = new Map<string, { key: AuthenticatedKey; at: number }>();
  /** Token hashes that matched no key (or a revoked one), with when that was found. */
  private readonly unknown = new Map<string, number>();
  private readonly notificationsFlowing: () => boolean;
  /** When this process last wrote each key's lastUsedAt. */
  private readonly touched = new Map<string, number>();

  constructor(
    private readonly database: DatabaseService,
    private readonly audit: AuditService,
    @Inject(APP_CONFIG) config: AppConfig,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {
    this.adminTokenHash = config.adminToken ? Buffer.from(tokenHashOf(config.adminToken), 'hex') : null;
    this.notificationsFlowing = database.listen(
      REVOKED_CHANNEL,
      (id) => this.forget(id),
      () => this.cache.clear(),
    );
  }

  /** The key a token belongs to, or null. Revoked keys are refused at once, expired ones from their expiresAt on. */
  async authenticate(token: string): Promise<AuthenticatedKey | null> {
    const hash = tokenHashOf(token);
    if (this.adminTokenHash && timingSafeEqual(Buffer.from(hash, 'hex'), this.adminTokenHash)) {
      return { id: null, name: 'admin', roles: ['admin'], canActFor: false, expiresAt: null };
    }
    if (!token.startsWith(TOKEN_PREFIX)) return null;
    const cached = this.cache.get(hash);
    if (cached && Date.now() - cached.at < CACHE_TTL_MS && this.notificationsFlowing()) return this.unexpired(cached.key);
    const refused = this.unknown.get(hash);
    if (refused !== undefined && Date.now() - refused < UNKNOWN_TTL_MS) return null;
    const row = await this.database.prisma.apiKey.findUnique({ where: { tokenHash: hash } });
    if (!row || row.revokedAt) {
      this.cache.delete(hash);
      if (this.unknown.size >= UNKNOWN_MAX) this.unknown.clear();
      this.unknown.set(hash, Date.now());
      return null;
    }
    const key: AuthenticatedKey = { id: row.id, name: row.name, roles: row.roles as Role[], canActFor: row.canActFor, expiresAt: row.expiresAt };
    if (this.cache.size >= CACHE_MAX) this.cache.clear();
    this.cache.set(hash, { key, at: Date.now() });
    return this.unexpired(key);
  }

  private unexpired(key: AuthenticatedKey): AuthenticatedKey | null {
    return key.expiresAt && key.expiresAt.getTime() <= this.clock.now().getTime() ? null : key;
  }

  /** Records that a key was used: lastUsedAt is written at most once a minute per key (per process). */
  async touch(key: AuthenticatedKey): Promise<void> {
    if (!key.id) return;
    const now = this.clock.now();
    const last = this.touched.get(key.id);
    if (last !== undefined && now.getTime() - last < LAST_USED_EVERY_MS && now.getTime() >= last) return;
    if (this.touched.size >= CACHE_MAX) this.touched.clear();
    this.touched.set(key.id, now.getTime());
    try {
      await this.database.prisma.apiKey.updateMany({ where: { id: key.id }, data: { lastUsedAt: now } });
    } catch {
      // Bookkeeping only: a failed write must not fail the request; the next minute tries again.
      this.touched.delete(key.id);
    }
  }

  /** Whether a token (by hash) is a valid key seen lately: the rate limiter counts such tokens per key. */
  isKnownToken(hash: string): boolean {
    return this.cache.has(hash) || (this.adminTokenHash !== null && hash === this.adminTokenHash.toString('hex'));
  }

  /** Drops a key from the cache (it was revoked, here or in another process). */
  private forget(id: string): void {
    for (const [hash, entry] of this.cache) if (entry.key.id === id) this.cache.delete(hash);
  }

  async create(input: { name: string; roles: Role[]; canActFor?: boolean; expiresAt?: string }, caller: Caller): Promise<CreatedApiKeyView> {
    const token = TOKEN_PREFIX + randomBytes(32).toString('base64url');
    const roles = [...new Set(input.roles)].sort() as Role[];
    const nameKey = input.name.toLowerCase();
    let expiresAt: Date | null = null;
    if (input.expiresAt !== undefined) {
      expiresAt = parseRfc3339(input.expiresAt);
      if (expiresAt.getTime() <= this.clock.now().getTime()) throw badRequest(`expiresAt must be in the future; ${input.expiresAt} is not.`);
    }
    try {
      return await this.database.transaction(async (tx) => {
        const existing = await tx.apiKey.findUnique({ where: { nameKey } });
        if (existing || (nameKey === 'admin' && this.adminTokenHash)) throw exists(input.name);
        const row = await tx.apiKey.create({
          data: {
            name: input.name,
            nameKey,
            expiresAt,
            tokenHash: tokenHashOf(token),
            tokenPrefix: token.slice(0, TOKEN_PREFIX.length + 6),
            roles,
            canActFor: input.canActFor ?? false,
            createdBy: caller.actor,
          },
        });
        await this.audit.append(tx, caller, {
          action: 'apikey.created',
          details: { id: row.id, name: row.name, roles, canActFor: row.canActFor, expiresAt: row.expiresAt?.toISOString() ?? null },
        });
        return { ...view(row), token };
      });
    } catch (err) {
      if (isUniqueViolation(err)) throw exists(input.name); // a concurrent create of the same name won the race
      throw err;
    }
  }

  async get(id: string): Promise<ApiKeyView> {
    const row = await this.database.prisma.apiKey.findUnique({ where: { id } });
    if (!row) throw notFound('API_KEY_NOT_FOUND', `No API key has the id ${id}.`);
    return view(row);
  }

  async list(limit: number, cursor?: string): Promise<Page<ApiKeyView>> {
    const after = decodeCursor(cursor, { at: 'timestamp', id: 'uuid' });
    const rows = await this.database.prisma.apiKey.findMany({
      where: after
        ? { OR: [{ createdAt: { gt: new Date(after.at) } }, { createdAt: new Date(after.at), id: { gt: after.id } }] }
        : undefined,
      orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
      take: limit + 1,
    });
    return toPage(rows, limit, view, (r) => ({ at: r.createdAt.toISOString(), id: r.id }));
  }

  async revoke(id: string, caller: Caller): Promise<ApiKeyView> {
    const revoked = await this.database.transaction(async (tx) => {
      const rows = await tx.$queryRaw<{ id: string }[]>`SELECT id FROM api_keys WHERE id = ${id}::uuid FOR UPDATE`;
      if (!rows.length) throw notFound('API_KEY_NOT_FOUND', `No API key has the id ${id}.`);
      const current = await tx.apiKey.findUniqueOrThrow({ where: { id } });
      if (current.revokedAt) return view(current);
      const row = await tx.apiKey.update({ where: { id }, data: { revokedAt: new Date() } });
      this.forget(id);
      // Delivered to every process listening on this database when the transaction commits.
      await tx.$executeRaw`SELECT pg_notify(${REVOKED_CHANNEL}, ${id})`;
      await this.audit.append(tx, caller, { action: 'apikey.revoked', details: { id: row.id, name: row.name } });
      return view(row);
    });
    this.forget(id); // again after commit: a request in between may have cached it from the old row
    return revoked;
  }

  count(): Promise<number> {
    return this.database.prisma.apiKey.count();
  }
}
