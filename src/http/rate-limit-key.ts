import { createHash } from 'node:crypto';
import type { FastifyRequest } from 'fastify';

/** Rate limits apply per API key (by a hash of its token, never the token itself), else per client address. */
export function rateLimitKey(request: FastifyRequest): string {
  const auth = request.headers.authorization;
  if (auth && /^Bearer\s+\S+/i.test(auth)) {
    return 'key:' + createHash('sha256').update(auth.replace(/^Bearer\s+/i, '').trim()).digest('hex').slice(0, 32);
  }
  return 'ip:' + request.ip;
}
