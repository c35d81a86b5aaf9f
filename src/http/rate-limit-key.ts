import type { FastifyRequest } from 'fastify';

/** Who a request counts as for rate limiting, when it carries a valid credential (auth's ApiKeysService). */
export interface RateLimitIdentities {
  rateLimitIdentity(request: FastifyRequest): Promise<string | null>;
}

/**
 * Rate limits apply per API key (by the hash of its token, never the token itself) when the token is valid;
 * anything else (no token, made-up tokens) counts against the client address, so inventing a new token per
 * request does not escape the limit.
 */
export function rateLimitKeyFor(identities: RateLimitIdentities) {
  return async (request: FastifyRequest): Promise<string> => (await identities.rateLimitIdentity(request)) ?? `ip:${request.ip}`;
}
