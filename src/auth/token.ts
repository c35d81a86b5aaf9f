import { hash } from 'node:crypto';
import type { FastifyRequest } from 'fastify';

/** sha256 hex of an API token: what is stored and compared, never the token itself. */
export const tokenHashOf = (token: string) => hash('sha256', token, 'hex');

/** The same sha256, as bytes (for a constant-time comparison). */
export const tokenDigestOf = (token: string): Buffer => hash('sha256', token, 'buffer');

export const bearerToken = (request: FastifyRequest): string | null =>
  /^Bearer\s+(\S+)\s*$/i.exec(request.headers.authorization ?? '')?.[1] ?? null;
