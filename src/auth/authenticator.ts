import type { FastifyRequest } from 'fastify';
import type { Role } from './roles';

/** What a credential stands for: a key (or the ADMIN_TOKEN admin, id null), its roles and whether it may act for others. */
export interface AuthenticatedKey {
  id: string | null;
  name: string;
  roles: Role[];
  canActFor: boolean;
}

/** Looks a request's credential up (API keys implement it; see api-keys/). The AuthGuard only knows this interface. */
export interface Authenticator {
  authenticateRequest(request: FastifyRequest): Promise<AuthenticatedKey | null>;
}

export const AUTHENTICATOR = Symbol('Authenticator');
