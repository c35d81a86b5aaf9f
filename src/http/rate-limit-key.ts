import { createHash } from 'node:crypto';
import type { FastifyRequest } from 'fastify';

export const tokenHashOf = (token: string) => createHash('sha256').update(token).digest('hex');

export const bearerToken = (request: FastifyRequest): string | null =>
  /^Bearer\s+(\S+)\s*$/i.exec(request.headers.authorization ?? '')?.[1] ?? null;

interface TokenChecker {
  isKnownToken(hash: string): boolean;
  authenticate(token: string): Promise<unknown>;
}

/** The OIDC verifier, as far as the rate limiter needs it. */
interface JwtChecker {
  rateLimitIdentity(request: FastifyRequest): Promise<string | null>;
}

/** Where the rate limiter left what it learnt of the token, so the auth guard need not look it up again. */
export const PRE_AUTHENTICATED = Symbol('preAuthenticated');

/**
 * Rate limits apply per API key (by the hash of its token, never the token itself) when the token is valid;
 * anything else (no token, made-up tokens) counts against the client address, so inventing a new token per
 * request does not escape the limit.
 */
export function rateLimitKeyFor(keys: TokenChecker, jwts?: JwtChecker) {
  return async (request: FastifyRequest): Promise<string> => {
    const token = bearerToken(request);
    if (token) {
      const hash = tokenHashOf(token);
      if (keys.isKnownToken(hash)) return `key:${hash.slice(0, 32)}`;
      const key = await keys.authenticate(token);
      (request as unknown as Record<symbol, unknown>)[PRE_AUTHENTICATED] = key;
      if (key) return `key:${hash.slice(0, 32)}`;
      // A valid OIDC token counts per person (a portal's users share its address); an invalid one per address.
      const person = await jwts?.rateLimitIdentity(request);
      if (person) return person;
    }
    return `ip:${request.ip}`;
  };
}
