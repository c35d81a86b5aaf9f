import { type CanActivate, type ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { ServiceError } from '../common/service-error';
import { bearerToken } from './token';
import { AUTHENTICATOR, type Authenticator } from './authenticator';
import type { AuthenticatedRequest } from './principal';
import { IS_PUBLIC } from './public.decorator';
import { REQUIRED_ROLE } from './roles.decorator';
import { hasRole, type Role } from './roles';

const ACTING_FOR = /^[A-Za-z0-9._@+-]{1,128}$/;

/** Global guard: every route needs a valid Bearer token and its role, except those marked @Public(). */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    @Inject(AUTHENTICATOR) private readonly credentials: Authenticator,
  ) {}

  /** What each handler's decorators say, read once per handler instead of on every request. */
  private readonly routes = new WeakMap<object, WeakMap<object, { isPublic: boolean; required: Role }>>();

  private route(context: ExecutionContext): { isPublic: boolean; required: Role } {
    const handler = context.getHandler();
    const controller = context.getClass();
    let byHandler = this.routes.get(controller);
    if (!byHandler) this.routes.set(controller, (byHandler = new WeakMap()));
    let route = byHandler.get(handler);
    if (!route) {
      const targets = [handler, controller];
      route = {
        isPublic: this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, targets) ?? false,
        // Secure by default: a route that names no role is for admins only.
        required: this.reflector.getAllAndOverride<Role | undefined>(REQUIRED_ROLE, targets) ?? 'admin',
      };
      byHandler.set(handler, route);
    }
    return route;
  }

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const { isPublic, required } = this.route(context);
    if (isPublic) return true;
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();

    if (!bearerToken(request)) {
      throw new ServiceError('unauthenticated', 'UNAUTHENTICATED', 'Send an API key as "Authorization: Bearer <token>".', {
        headers: { 'www-authenticate': 'Bearer' },
      });
    }
    const key = await this.credentials.authenticateRequest(request);
    if (!key) {
      throw new ServiceError('unauthenticated', 'UNAUTHENTICATED', 'The token is unknown or revoked.', {
        headers: { 'www-authenticate': 'Bearer error="invalid_token"' },
      });
    }

    // People and keys are named case-insensitively (UPNs, chat handles): "Bob" and "bob" are one actor, so that
    // separation of duties and one-decision-per-approver cannot be dodged by changing case.
    let actor = key.name.toLowerCase();
    let via: string | null = null;
    const actingFor = request.headers['x-acting-for'];
    if (actingFor !== undefined) {
      const person = (Array.isArray(actingFor) ? actingFor[0] : actingFor).trim().toLowerCase();
      if (!key.canActFor) {
        throw new ServiceError('forbidden', 'FORBIDDEN', `The key "${key.name}" may not act for another user (X-Acting-For).`);
      }
      if (!ACTING_FOR.test(person)) {
        throw new ServiceError('bad_request', 'BAD_REQUEST', 'X-Acting-For must be a user name of 1-128 letters, digits or . _ @ + -.');
      }
      if (person !== actor) {
        via = actor;
        actor = person;
      }
    }
    request.principal = { keyId: key.id, keyName: key.name, roles: key.roles, canActFor: key.canActFor, actor, via };

    if (!hasRole(key.roles, required)) {
      throw new ServiceError('forbidden', 'FORBIDDEN', `This needs the ${required} role; the key "${key.name}" has ${key.roles.join(', ') || 'no role'}.`);
    }
    return true;
  }
}
