import { randomBytes } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { AuditService } from '../audit/audit.service';
import { CLOCK, type Clock } from '../common/clock';
import { badRequest, conflict, notFound } from '../common/service-error';
import { parseRfc3339 } from '../common/text.validators';
import { APP_CONFIG, type AppConfig } from '../config/app-config';
import { DatabaseService } from '../database/database.service';
import { decodeCursor, type Page, toPage } from '../http/pagination';
import { ApiKeysRepository } from '../repositories/api-keys.repository';
import { Writes } from '../writes/writes.service';
import type { ApiKeyRecord } from '../repositories/records';
import type { ApiKeyView, CreatedApiKeyView } from './api-key.dto';
import type { Caller } from '../auth/principal';
import type { AuthenticatedKey, Authenticator } from '../auth/authenticator';
import type { Role } from '../auth/roles';
import { bearerToken, sameTokenHash, tokenHashOf } from '../auth/token';
import type { FastifyRequest } from 'fastify';


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

/** A key as cached: what the guard needs, and when it expires. */
type CachedKey = AuthenticatedKey & { expiresAt: Date | null };

function view(row: ApiKeyRecord): ApiKeyView {
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

/**
 * Where a request keeps its key lookup, made once: the rate limiter asks first, then the auth guard. A property of the
 * request, not a WeakMap entry (a WeakMap insert per request cost microseconds as the map churned).
 */
const KEY_CHECK = Symbol('apiKeyCheck');
/** The last token a connection sent and its hash (ApiKeysService.hashOnConnection). */
const LAST_TOKEN = Symbol('lastToken');

@Injectable()
export class ApiKeysService implements Authenticator {
  private readonly adminTokenHash: string | null;
  /**
   * Keys that authenticated lately, by token hash. Every request needs its key, and a database round trip per
   * request costs more than the rest of most requests. A revocation clears the key here at once: locally, and in
   * every other process through NOTIFY; while that channel is down the cache is not used at all.
   */
  private readonly cache = new Map<string, { key: CachedKey; at: number }>();
  /** When this process last wrote each key's lastUsedAt. */
  private readonly touched = new Map<string, number>();
  /** Token hashes that matched no key (or a revoked one), with when that was found. */
  private readonly unknown = new Map<string, number>();
  private readonly notificationsFlowing: () => boolean;

  constructor(
    database: DatabaseService,
    private readonly keys: ApiKeysRepository,
    private readonly writes: Writes,
    private readonly audit: AuditService,
    @Inject(APP_CONFIG) config: AppConfig,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {
    this.adminTokenHash = config.adminToken ? tokenHashOf(config.adminToken) : null;
    this.notificationsFlowing = database.listen(
      REVOKED_CHANNEL,
      (id) => this.forget(id),
      () => this.cache.clear(),
    );
  }

  /** The key a token belongs to, or null. Revoked keys are refused at once, expired ones from their expiresAt on. */
  async authenticate(token: string, hash = tokenHashOf(token)): Promise<AuthenticatedKey | null> {
    if (this.adminTokenHash !== null && sameTokenHash(hash, this.adminTokenHash)) {
      return { id: null, name: 'admin', roles: ['admin'], canActFor: false };
    }
    if (!token.startsWith(TOKEN_PREFIX)) return null;
    const cached = this.cache.get(hash);
    if (cached && Date.now() - cached.at < CACHE_TTL_MS && this.notificationsFlowing()) return this.unexpired(cached.key);
    const refused = this.unknown.get(hash);
    if (refused !== undefined && Date.now() - refused < UNKNOWN_TTL_MS) return null;
    const row = await this.keys.findByTokenHash(hash);
    if (!row || row.revokedAt) {
      this.cache.delete(hash);
      if (this.unknown.size >= UNKNOWN_MAX) this.unknown.clear();
      this.unknown.set(hash, Date.now());
      return null;
    }
    const key: CachedKey = { id: row.id, name: row.name, roles: row.roles as Role[], canActFor: row.canActFor, expiresAt: row.expiresAt };
    if (this.cache.size >= CACHE_MAX) this.cache.clear();
    this.cache.set(hash, { key, at: Date.now() });
    return this.unexpired(key);
  }

  private unexpired(key: CachedKey): AuthenticatedKey | null {
    if (key.expiresAt && key.expiresAt.getTime() <= this.clock.now().getTime()) return null;
    return { id: key.id, name: key.name, roles: key.roles, canActFor: key.canActFor };
  }

  /** Whether the key's lastUsedAt is due for a write: at most once a minute per key (and process). */
  private needsTouch(key: AuthenticatedKey): boolean {
    if (!key.id) return false;
    const last = this.touched.get(key.id);
    const now = this.clock.now().getTime();
    return !(last !== undefined && now - last < LAST_USED_EVERY_MS && now >= last);
  }

  /** Records that a key was used: lastUsedAt is written at most once a minute per key (and process). */
  private async touch(key: AuthenticatedKey): Promise<void> {
    if (!key.id || !this.needsTouch(key)) return;
    const now = this.clock.now();
    if (this.touched.size >= CACHE_MAX) this.touched.clear();
    this.touched.set(key.id, now.getTime());
    try {
      await this.keys.touch(key.id, now);
    } catch {
      // Bookkeeping only: a failed write must not fail the request; the next minute tries again.
      this.touched.delete(key.id);
    }
  }

  /** The key of the request's Bearer token, or null; looked up once per request. */
  authenticateRequest(request: FastifyRequest): Promise<AuthenticatedKey | null> {
    const memo = request as FastifyRequest & { [KEY_CHECK]?: Promise<AuthenticatedKey | null> };
    let key = memo[KEY_CHECK];
    if (!key) {
      const token = bearerToken(request);
      key = token ? this.authenticate(token, this.hashOnConnection(request, token)).then((found) => (found && this.needsTouch(found) ? this.touch(found).then(() => found) : found)) : Promise.resolve(null);
      memo[KEY_CHECK] = key;
    }
    return key;
  }

  /**
   * The token's hash, remembered on the connection for its next request: a keep-alive client sends the same token
   * every time, and sha256 of it was most of the CPU of authenticating a request (1.2% of the service's CPU on
   * validate-plain, of 2.0% for the whole check). One token per connection, kept no longer than the connection, and
   * compared in constant time (a proxy may carry several clients' requests over one connection).
   */
  private hashOnConnection(request: FastifyRequest, token: string): string {
    const socket = request.raw.socket as (typeof request.raw.socket & { [LAST_TOKEN]?: { token: string; hash: string } }) | null;
    const last = socket?.[LAST_TOKEN];
    if (last && sameTokenHash(last.token, token)) return last.hash;
    const hash = tokenHashOf(token);
    if (socket) socket[LAST_TOKEN] = { token, hash };
    return hash;
  }

  /** What the rate limiter counts a request against: its key (by token hash) when the token is valid, else null. */
  async rateLimitIdentity(request: FastifyRequest): Promise<string | null> {
    const token = bearerToken(request);
    if (!token) return null;
    const hash = tokenHashOf(token);
    const known = this.cache.has(hash) || (this.adminTokenHash !== null && sameTokenHash(hash, this.adminTokenHash));
    return known || (await this.authenticateRequest(request)) ? `key:${hash.slice(0, 32)}` : null;
  }

  /** Drops a key from the cache (it was revoked, here or in another process). */
  private forget(id: string): void {
    for (const [hash, entry] of this.cache) if (entry.key.id === id) this.cache.delete(hash);
  }

  async create(input: { name: string; roles: Role[]; canActFor?: boolean; expiresAt?: string | null }, caller: Caller): Promise<CreatedApiKeyView> {
    const token = TOKEN_PREFIX + randomBytes(32).toString('base64url');
    const roles = [...new Set(input.roles)].sort() as Role[];
    const nameKey = input.name.toLowerCase();
    let expiresAt: Date | null = null;
    if (input.expiresAt !== undefined && input.expiresAt !== null) {
      expiresAt = parseRfc3339(input.expiresAt);
      if (expiresAt.getTime() <= this.clock.now().getTime()) throw badRequest(`expiresAt must be in the future; ${input.expiresAt} is not.`);
    }
    const exists = () =>
      conflict('API_KEY_EXISTS', `An API key named "${input.name}" already exists (names are case-insensitive); names identify actors and must be unique.`);
    return this.writes.run(async (tx) => {
      const existing = await this.keys.findByNameKey(nameKey, tx);
      if (existing || (nameKey === 'admin' && this.adminTokenHash)) throw exists();
      const row = await this.keys.create(tx, {
        name: input.name,
        nameKey,
        expiresAt,
        tokenHash: tokenHashOf(token),
        tokenPrefix: token.slice(0, TOKEN_PREFIX.length + 6),
        roles,
        canActFor: input.canActFor ?? false,
        createdBy: caller.actor,
      });
      await this.audit.append(tx, caller, {
        action: 'apikey.created',
        details: { id: row.id, name: row.name, roles, canActFor: row.canActFor, expiresAt: row.expiresAt?.toISOString() ?? null },
      });
      return { ...view(row), token };
    }, { onUniqueViolation: exists });
  }

  async get(id: string): Promise<ApiKeyView> {
    const row = await this.keys.findById(id);
    if (!row) throw notFound('API_KEY_NOT_FOUND', `No API key has the id ${id}.`);
    return view(row);
  }

  async list(limit: number, cursor?: string): Promise<Page<ApiKeyView>> {
    const after = decodeCursor(cursor, { at: 'timestamp', id: 'uuid' });
    const rows = await this.keys.list(after ?? undefined, limit + 1);
    return toPage(rows, limit, view, (r) => ({ at: r.createdAt.toISOString(), id: r.id }));
  }

  async revoke(id: string, caller: Caller): Promise<ApiKeyView> {
    const revoked = await this.writes.run(async (tx) => {
      const current = await this.keys.lockById(tx, id);
      if (!current) throw notFound('API_KEY_NOT_FOUND', `No API key has the id ${id}.`);
      if (current.revokedAt) return view(current);
      const row = await this.keys.revoke(tx, id, new Date());
      this.forget(id);
      // Delivered to every process listening on this database when the transaction commits.
      await this.keys.notify(tx, REVOKED_CHANNEL, id);
      await this.audit.append(tx, caller, { action: 'apikey.revoked', details: { id: row.id, name: row.name } });
      return view(row);
    });
    this.forget(id); // again after commit: a request in between may have cached it from the old row
    return revoked;
  }

  count(): Promise<number> {
    return this.keys.count();
  }
}
