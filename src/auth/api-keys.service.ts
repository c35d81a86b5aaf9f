import { randomBytes, timingSafeEqual } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { AuditService } from '../audit/audit.service';
import { conflict, notFound } from '../common/service-error';
import { APP_CONFIG, type AppConfig } from '../config/app-config';
import { DatabaseService } from '../database/database.service';
import type { ApiKey } from '../generated/prisma/client';
import { decodeCursor, type Page, toPage } from '../http/pagination';
import { tokenHashOf } from '../http/rate-limit-key';
import type { ApiKeyView, CreatedApiKeyView } from './api-key.dto';
import type { Caller } from './principal';
import type { Role } from './roles';

export interface AuthenticatedKey {
  id: string | null;
  name: string;
  roles: Role[];
  canActFor: boolean;
}

const TOKEN_PREFIX = 'apc_';
export const hashToken = tokenHashOf;
/** Bound on the hashes of tokens seen to authenticate (the rate limiter's per-key buckets). */
const KNOWN_TOKENS_MAX = 10_000;

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
  };
}

@Injectable()
export class ApiKeysService {
  private readonly adminTokenHash: Buffer | null;
  /** Hashes of tokens that authenticated in this process, by key id (null: the ADMIN_TOKEN). */
  private readonly knownTokens = new Map<string, string | null>();

  constructor(
    private readonly database: DatabaseService,
    private readonly audit: AuditService,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    this.adminTokenHash = config.adminToken ? Buffer.from(hashToken(config.adminToken), 'hex') : null;
  }

  /** The key a token belongs to, or null. Revoked keys are refused at once (looked up on every request). */
  async authenticate(token: string): Promise<AuthenticatedKey | null> {
    const hash = hashToken(token);
    if (this.adminTokenHash && timingSafeEqual(Buffer.from(hash, 'hex'), this.adminTokenHash)) {
      this.remember(hash, null);
      return { id: null, name: 'admin', roles: ['admin'], canActFor: false };
    }
    if (!token.startsWith(TOKEN_PREFIX)) return null;
    const row = await this.database.prisma.apiKey.findUnique({ where: { tokenHash: hash } });
    if (!row || row.revokedAt) {
      this.knownTokens.delete(hash);
      return null;
    }
    this.remember(hash, row.id);
    return { id: row.id, name: row.name, roles: row.roles as Role[], canActFor: row.canActFor };
  }

  /** Whether a token (by hash) authenticated in this process: the rate limiter counts such tokens per key. */
  isKnownToken(hash: string): boolean {
    return this.knownTokens.has(hash);
  }

  private remember(hash: string, id: string | null): void {
    if (this.knownTokens.size >= KNOWN_TOKENS_MAX && !this.knownTokens.has(hash)) this.knownTokens.clear();
    this.knownTokens.set(hash, id);
  }

  async create(input: { name: string; roles: Role[]; canActFor?: boolean }, caller: Caller): Promise<CreatedApiKeyView> {
    const token = TOKEN_PREFIX + randomBytes(32).toString('base64url');
    const roles = [...new Set(input.roles)].sort() as Role[];
    return this.database.transaction(async (tx) => {
      const existing = await tx.apiKey.findUnique({ where: { name: input.name } });
      if (existing || (input.name === 'admin' && this.adminTokenHash)) {
        throw conflict('API_KEY_EXISTS', `An API key named "${input.name}" already exists; names identify actors and must be unique.`);
      }
      const row = await tx.apiKey.create({
        data: {
          name: input.name,
          tokenHash: hashToken(token),
          tokenPrefix: token.slice(0, TOKEN_PREFIX.length + 6),
          roles,
          canActFor: input.canActFor ?? false,
          createdBy: caller.actor,
        },
      });
      await this.audit.append(tx, caller, {
        action: 'apikey.created',
        details: { id: row.id, name: row.name, roles, canActFor: row.canActFor },
      });
      return { ...view(row), token };
    });
  }

  async list(limit: number, cursor?: string): Promise<Page<ApiKeyView>> {
    const after = decodeCursor<{ at: string; id: string }>(cursor, { at: 'string', id: 'string' });
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
    return this.database.transaction(async (tx) => {
      const rows = await tx.$queryRaw<{ id: string }[]>`SELECT id FROM api_keys WHERE id = ${id}::uuid FOR UPDATE`;
      if (!rows.length) throw notFound('API_KEY_NOT_FOUND', `No API key has the id ${id}.`);
      const current = await tx.apiKey.findUniqueOrThrow({ where: { id } });
      if (current.revokedAt) return view(current);
      const row = await tx.apiKey.update({ where: { id }, data: { revokedAt: new Date() } });
      this.knownTokens.delete(row.tokenHash);
      await this.audit.append(tx, caller, { action: 'apikey.revoked', details: { id: row.id, name: row.name } });
      return view(row);
    });
  }

  count(): Promise<number> {
    return this.database.prisma.apiKey.count();
  }
}
