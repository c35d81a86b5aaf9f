import type { FastifyRequest } from 'fastify';
import type { Role } from './roles';

/** What an OIDC token check found: the person and roles, or why it was refused (safe to show: quotes no token). */
export type TokenCheck = { ok: true; actor: string; roles: Role[] } | { ok: false; reason: string };

/** Checks OpenID Connect access tokens (see oidc/). The AuthGuard only knows this interface. */
export interface TokenVerifier {
  readonly enabled: boolean;
  verify(token: string): Promise<TokenCheck>;
  /** The check of the request's Bearer token when it is a JWT and OIDC is on, else null; checked once per request. */
  verifyRequest(request: FastifyRequest): Promise<TokenCheck | null>;
  /** What the rate limiter counts a request against: the person of a valid token, else null. */
  rateLimitIdentity(request: FastifyRequest): Promise<string | null>;
}
export const TOKEN_VERIFIER = Symbol('TokenVerifier');

/** The people the service knows (see people/): their roles serve X-Acting-For; a token's sign-in records them. */
export interface PeopleDirectory {
  rolesOf(name: string): Promise<Role[] | null>;
  recordSignIn(name: string, roles: Role[], requestId: string): Promise<void>;
}
export const PEOPLE_DIRECTORY = Symbol('PeopleDirectory');

/** A JWT in compact form: three base64url parts (the signature may be empty, as in alg "none", to refuse it clearly). */
export const looksLikeJwt = (token: string) => /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/.test(token);
