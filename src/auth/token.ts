import { hash } from 'node:crypto';
import type { FastifyRequest } from 'fastify';

/** sha256 hex of an API token: what is stored and compared, never the token itself. */
export const tokenHashOf = (token: string) => hash('sha256', token, 'hex');

/**
 * Whether two token hashes (hex) are equal, in time that does not depend on where they differ. Strings, not Buffers:
 * sha256 to hex costs a fraction of sha256 to a Buffer here.
 */
export function sameTokenHash(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return diff === 0;
}

export const bearerToken = (request: FastifyRequest): string | null =>
  /^Bearer\s+(\S+)\s*$/i.exec(request.headers.authorization ?? '')?.[1] ?? null;
