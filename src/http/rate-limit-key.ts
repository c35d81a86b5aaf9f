import type { FastifyRequest } from 'fastify';

/** Who a request counts as for rate limiting, when it carries a valid credential (API keys, OIDC tokens). */
export interface RateLimitIdentities {
  rateLimitIdentity(request: FastifyRequest): Promise<string | null>;
}

/**
 * Rate limits apply per API key (by the hash of its token, never the token itself) or, for a valid OIDC token, per
 * person (a portal's users share its address); anything else (no token, made-up tokens) counts against the client
 * address, so inventing a new token per request does not escape the limit. Sources are asked in order.
 */
export function rateLimitKeyFor(...sources: RateLimitIdentities[]) {
  return async (request: FastifyRequest): Promise<string> => {
    for (const source of sources) {
      const identity = await source.rateLimitIdentity(request);
      if (identity) return identity;
    }
    return `ip:${request.ip}`;
  };
}
