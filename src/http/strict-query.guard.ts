import { type CanActivate, type ExecutionContext, Injectable, type Type } from '@nestjs/common';
import { ROUTE_ARGS_METADATA } from '@nestjs/common/constants';
import { RouteParamtypes } from '@nestjs/common/enums/route-paramtypes.enum';
import { Reflector } from '@nestjs/core';
import { getMetadataStorage } from 'class-validator';
import type { FastifyRequest } from 'fastify';
import { IS_PUBLIC } from '../auth/public.decorator';
import { badRequest } from '../common/service-error';

/** What a route accepts in its query string: a set of names, or anything (a route that reads the raw query). */
type KnownQuery = ReadonlySet<string> | 'any';

/**
 * The query parameters a handler declares, from its own decorators: `@Query('name')` names one; `@Query() dto: SomeDto`
 * names the DTO's validated properties (inherited ones included, e.g. PageQueryDto's `limit` and `cursor`); a
 * handler without `@Query` takes none. Worked out once per handler.
 */
export function knownQueryOf(controller: Type<unknown>, handler: (...args: unknown[]) => unknown): KnownQuery {
  const args = (Reflect.getMetadata(ROUTE_ARGS_METADATA, controller, handler.name) ?? {}) as Record<string, { index: number; data?: unknown }>;
  const types = (Reflect.getMetadata('design:paramtypes', controller.prototype as object, handler.name) ?? []) as unknown[];
  const names = new Set<string>();
  for (const [key, arg] of Object.entries(args)) {
    if (Number(key.split(':')[0]) !== RouteParamtypes.QUERY) continue;
    if (typeof arg.data === 'string') {
      names.add(arg.data);
      continue;
    }
    const dto = types[arg.index];
    if (typeof dto !== 'function' || dto === Object) return 'any';
    const properties = getMetadataStorage()
      .getTargetValidationMetadatas(dto, '', true, false)
      .map((m) => m.propertyName);
    if (properties.length === 0) return 'any';
    for (const p of properties) names.add(p);
  }
  return names;
}

const quote = (names: string[]) => names.map((n) => `"${n}"`).join(', ');

/**
 * A query parameter the route does not know is a 400 naming it, on every /v1 route, instead of being ignored (a
 * `?format=markdown` on a route that answers JSON only used to get JSON with 200; a typo in a filter used to list
 * everything). Driven by the handlers' own `@Query` declarations, so new routes and DTOs are covered without
 * registering anything. The operations routes (@Public: /healthz, /readyz, /metrics) are left alone: probes and
 * scrapers add cache-busting parameters. Runs after authentication (401/403 first), before the pipes.
 */
@Injectable()
export class StrictQueryGuard implements CanActivate {
  private readonly known = new WeakMap<object, KnownQuery>();

  constructor(private readonly reflector: Reflector) {}

  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    const query = request.query as Record<string, unknown> | undefined;
    // The hot path (no query string) costs one check.
    if (!query) return true;
    let names: string[] | null = null;
    for (const name in query) {
      (names ??= []).push(name);
    }
    if (names === null) return true;
    const handler = context.getHandler() as (...args: unknown[]) => unknown;
    let known = this.known.get(handler);
    if (known === undefined) {
      known = this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, [handler, context.getClass()])
        ? 'any'
        : knownQueryOf(context.getClass(), handler);
      this.known.set(handler, known);
    }
    if (known === 'any') return true;
    const unknown = names.filter((n) => !known.has(n));
    if (unknown.length === 0) return true;
    const accepted = [...known];
    const takes = accepted.length === 0 ? 'this route takes no query parameters' : `this route takes ${quote(accepted)}`;
    const formatHint = unknown.includes('format') ? ' It answers JSON only: Markdown is offered by the explain routes and the diff.' : '';
    const plural = unknown.length === 1 ? 'parameter' : 'parameters';
    return this.fail(`Unknown query ${plural} ${quote(unknown)}: ${takes}.${formatHint}`, unknown);
  }

  private fail(message: string, unknown: string[]): never {
    throw badRequest(message, { invalidParams: unknown.map((name) => ({ name, reason: 'unknown query parameter' })) });
  }
}
