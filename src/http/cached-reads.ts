import type { Type } from '@nestjs/common';
import { METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants';
import { RequestMethod } from '@nestjs/common/enums/request-method.enum';
import type { FastifyInstance, FastifyReply, FastifyRequest, preHandlerHookHandler, RouteOptions } from 'fastify';
import type { Authenticator } from '../auth/authenticator';
import { type AuthenticatedRequest, keyPrincipal } from '../auth/principal';
import { IS_PUBLIC } from '../auth/public.decorator';
import { REQUIRED_ROLE } from '../auth/roles.decorator';
import { hasRole, type Role } from '../auth/roles';
import { type EtaggedBody, sendAnswer } from './etag';

/**
 * A GET route whose answers the read cache may hold, taken from its controller method so that its path and role are
 * the controller's own.
 */
export interface CachedRead {
  /** The route's path as Fastify knows it (`/v1/clusters/:name`). */
  url: string;
  /** The role the controller requires (@RequireRole; admin when it names none, as the AuthGuard reads it). */
  role: Role;
  /** The cached answer for the path's parameters, or undefined (a miss, or parameters the route would refuse). */
  cached(params: Record<string, string>): EtaggedBody | undefined;
}

/** The CachedRead of `controller.method` (a @Get route): its path and role read from the controller's decorators. */
export function cachedRead(controller: Type, method: string, cached: CachedRead['cached']): CachedRead {
  const handler = (controller.prototype as Record<string, unknown>)[method] as object | undefined;
  if (!handler || Reflect.getMetadata(METHOD_METADATA, handler) !== RequestMethod.GET) {
    throw new Error(`${controller.name}.${method} is not a GET route`);
  }
  if (Reflect.getMetadata(IS_PUBLIC, handler) ?? Reflect.getMetadata(IS_PUBLIC, controller)) {
    throw new Error(`${controller.name}.${method} is public: it has no use for an authenticated cached read`);
  }
  const path = ['', Reflect.getMetadata(PATH_METADATA, controller), Reflect.getMetadata(PATH_METADATA, handler)]
    .map((part: string | undefined) => (part ?? '').replace(/^\/+|\/+$/g, ''))
    .filter((part, i) => i === 0 || part !== '')
    .join('/');
  const role: Role = Reflect.getMetadata(REQUIRED_ROLE, handler) ?? Reflect.getMetadata(REQUIRED_ROLE, controller) ?? 'admin';
  return { url: path || '/', role, cached };
}

/**
 * Read-cache hits answered before Nest's pipeline (its router, guards, pipes and parameter decorators), which cost a
 * cached GET more CPU than the rest of the request. Each route of `reads` gets a preHandler hook, so everything
 * before it still runs on every request: the security headers and request id, CORS, the rate limit (onRequest),
 * and the metrics and request log after it (onResponse). The hook answers only the plain case, exactly as the
 * controller would:
 *   - a GET without a query string (nor a `#`, which Fastify's router reads as one) and without X-Acting-For;
 *   - an API key (the AuthGuard's own lookup, memoized on the request) that holds the route's role;
 *   - an answer in the read cache, looked up after the key check (as the controller does after the guard), so the
 *     read cache's rules hold here as they do there.
 * Anything else (no or an unknown token, an OIDC token, a missing role, a query, a miss, bad parameters) goes on to
 * the controller, which answers it, errors included. Nothing is answered here that the controller would not answer
 * with the same status, headers and body.
 */
export function answerCachedReads(fastify: FastifyInstance, authenticator: Authenticator, reads: CachedRead[]): void {
  const byUrl = new Map(reads.map((read) => [read.url, read]));
  fastify.addHook('onRoute', (route: RouteOptions) => {
    const read = byUrl.get(route.url);
    if (!read || !(route.method === 'GET' || (Array.isArray(route.method) && route.method.includes('GET')))) return;
    const hook = cachedReadHook(authenticator, read);
    const existing = route.preHandler;
    route.preHandler = existing === undefined ? [hook] : [...(Array.isArray(existing) ? existing : [existing]), hook];
  });
}

const QUERY_OR_FRAGMENT = /[?#]/;

function cachedReadHook(authenticator: Authenticator, read: CachedRead): preHandlerHookHandler {
  return function (request: FastifyRequest, reply: FastifyReply, done: (err?: Error) => void): void {
    // A query goes to the controller, which checks it: Fastify's router starts the query at `?` or at `#`.
    if (request.method !== 'GET' || QUERY_OR_FRAGMENT.test(request.url) || request.headers['x-acting-for'] !== undefined) return done();
    authenticator.authenticateRequest(request).then(
      (key) => {
        if (!key || !hasRole(key.roles, read.role)) return done();
        const answer = read.cached(request.params as Record<string, string>);
        if (!answer) return done();
        (request as AuthenticatedRequest).principal = keyPrincipal(key);
        void reply.send(sendAnswer(reply, request.headers['if-none-match'], answer));
      },
      // The controller's guard answers the failure (it gets the same memoized check).
      () => done(),
    );
  };
}
