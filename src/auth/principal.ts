import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import type { AuthenticatedKey } from './authenticator';
import type { Role } from './roles';

/** Who is calling: the API key or OIDC token, and the person a key acts for (X-Acting-For) if any. */
export interface Principal {
  /** How the request authenticated: an API key (ADMIN_TOKEN included) or an OIDC access token. */
  kind: 'key' | 'token';
  /** The API key's id, or null for the ADMIN_TOKEN bootstrap admin and for tokens. */
  keyId: string | null;
  /** The API key's name, or null for a token. */
  keyName: string | null;
  /** The roles the request acts with: the key's or token's; when acting for a person, those both hold. */
  roles: Role[];
  canActFor: boolean;
  /** The person responsible: the X-Acting-For user when a bot acts for someone, else the key's name. */
  actor: string;
  /** The key that made the request when it acts for someone else, else null. */
  via: string | null;
}

/**
 * The principal of a request made with an API key for itself (no X-Acting-For). People and keys are named
 * case-insensitively (UPNs, chat handles): "Bob" and "bob" are one actor, so that separation of duties and
 * one-decision-per-approver cannot be dodged by changing case.
 */
export function keyPrincipal(key: AuthenticatedKey): Principal {
  return { kind: 'key', keyId: key.id, keyName: key.name, roles: key.roles, canActFor: key.canActFor, actor: key.name.toLowerCase(), via: null };
}

/** What services need of the caller to act and audit: who, through which key, and the request id. */
export interface Caller {
  actor: string;
  via: string | null;
  roles: Role[];
  requestId: string;
}

/** The service itself, for what it does on its own (the first admin key at startup). */
export const SYSTEM_CALLER: Caller = { actor: 'system', via: null, roles: ['admin'], requestId: 'startup' };

export type AuthenticatedRequest = FastifyRequest & { principal?: Principal };

/** The caller of an authenticated request (AuthGuard has set its principal). */
export function callerOf(request: AuthenticatedRequest): Caller {
  const p = request.principal;
  if (!p) throw new Error('a caller asked of a route without authentication');
  return { actor: p.actor, via: p.via, roles: p.roles, requestId: String(request.id) };
}

export const CurrentCaller = createParamDecorator((_: unknown, ctx: ExecutionContext): Caller => callerOf(ctx.switchToHttp().getRequest<AuthenticatedRequest>()));
