import { createHash } from 'node:crypto';
import type { FastifyRequest } from 'fastify';

/** sha256 hex of an API token: what is stored and compared, never the token itself. */
export const tokenHashOf = (token: string) => createHash('sha256').update(token).digest('hex');

export const bearerToken = (request: FastifyRequest): string | null =>
  /^Bearer\s+(\S+)\s*$/i.exec(request.headers.authorization ?? '')?.[1] ?? null;
