import { type CanActivate, type ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { ServiceError } from '../common/service-error';
import { AUTHENTICATOR, type AuthenticatedKey, type Authenticator } from './authenticator';
import { PEOPLE_DIRECTORY, type PeopleDirectory, TOKEN_VERIFIER, type TokenVerifier } from './identity';
import { isPersonName, PERSON_NAME_RULE } from './person-name';
import { type AuthenticatedRequest, keyPrincipal, type Principal } from './principal';
import { bearerToken } from './token';
import { IS_PUBLIC } from './public.decorator';
import { REQUIRED_ROLE } from './roles.decorator';
import { hasRole, ROLES, type Role } from './roles';

const invalidToken = (detail: string) =>
  new ServiceError('unauthenticated', 'UNAUTHENTICATED', detail, { headers: { 'www-authenticate': 'Bearer error="invalid_token"' } });

/**
 * Global guard: every route needs a valid Bearer token (an API key, or an OIDC access token when OIDC_ISSUER is set)
 * and its role, except those marked @Public(). A key with canActFor may act for a known person (X-Acting-For): the
 * route's role must then be held by both the key and the person.
 */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    @Inject(AUTHENTICATOR) private readonly credentials: Authenticator,
    @Inject(TOKEN_VERIFIER) private readonly oidc: TokenVerifier,
    @Inject(PEOPLE_DIRECTORY) private readonly people: PeopleDirectory,
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
    const token = bearerToken(request);
    if (!token) {
      throw new ServiceError(
        'unauthenticated',
        'UNAUTHENTICATED',
        `Send an API key${this.oidc.enabled ? ' or an OpenID Connect access token' : ''} as "Authorization: Bearer <token>".`,
        { headers: { 'www-authenticate': 'Bearer' } },
      );
    }
    const key = await this.credentials.authenticateRequest(request);
    if (key) {
      request.principal = await this.keyPrincipal(request, key, required);
      return true;
    }
    const checked = await this.oidc.verifyRequest(request);
    if (!checked) throw invalidToken('The token is unknown, revoked or expired.');
    if (!checked.ok) throw invalidToken(checked.reason);
    await this.people.recordSignIn(checked.actor, checked.roles, String(request.id));
    request.principal = { kind: 'token', keyId: null, keyName: null, roles: checked.roles, canActFor: false, actor: checked.actor, via: null };
    if (request.headers['x-acting-for'] !== undefined) {
      throw new ServiceError('forbidden', 'FORBIDDEN', 'A token acts for its own person only; X-Acting-For is for API keys with canActFor.');
    }
    if (!hasRole(checked.roles, required)) {
      throw new ServiceError(
        'forbidden',
        'FORBIDDEN',
        checked.roles.length
          ? `This needs the ${required} role; the token of ${checked.actor} grants ${checked.roles.join(', ')}.`
          : `The token of ${checked.actor} grants no role of this service; this needs the ${required} role.`,
      );
    }
    return true;
  }

  private async keyPrincipal(request: AuthenticatedRequest, key: AuthenticatedKey, required: Role): Promise<Principal> {
    const principal = keyPrincipal(key);
    const keyActor = principal.actor;
    const header = request.headers['x-acting-for'];
    if (header !== undefined) {
      const person = (Array.isArray(header) ? header[0] : header).trim();
      if (!key.canActFor) {
        throw new ServiceError('forbidden', 'FORBIDDEN', `The key "${key.name}" may not act for another user (X-Acting-For).`);
      }
      // A header carries ASCII only as sent (anything else arrives as Latin-1 bytes of the client's UTF-8).
      if (!isPersonName(person) || !/^[\x20-\x7e]+$/.test(person)) {
        throw new ServiceError('bad_request', 'BAD_REQUEST', `X-Acting-For must name a person in printable ASCII: ${PERSON_NAME_RULE}.`);
      }
      const name = person.toLowerCase();
      if (name !== keyActor) {
        request.principal = principal; // for the request log, whatever comes next
        if (!hasRole(key.roles, required)) {
          throw new ServiceError('forbidden', 'FORBIDDEN', `This needs the ${required} role; the key "${key.name}" has ${key.roles.join(', ') || 'no role'}.`);
        }
        const personRoles = await this.people.rolesOf(name);
        if (personRoles === null) {
          throw new ServiceError('forbidden', 'UNKNOWN_PERSON', `The service knows no person named "${name}"; an admin adds people with PUT /v1/people/{name}, or they sign in once with a token.`);
        }
        if (!hasRole(personRoles, required)) {
          throw new ServiceError(
            'forbidden',
            'FORBIDDEN',
            `This needs the ${required} role; ${name} has ${personRoles.join(', ') || 'no role'} (the key "${key.name}" acts for them, not with its own roles).`,
          );
        }
        // What the request may do beyond the route's own check (admin-only fields, withdrawing others' versions):
        // only what both the key and the person hold.
        const roles = ROLES.filter((r) => hasRole(key.roles, r) && hasRole(personRoles, r));
        return { ...principal, roles, actor: name, via: keyActor };
      }
    }
    if (!hasRole(key.roles, required)) {
      request.principal = principal;
      throw new ServiceError('forbidden', 'FORBIDDEN', `This needs the ${required} role; the key "${key.name}" has ${key.roles.join(', ') || 'no role'}.`);
    }
    return principal;
  }
}
