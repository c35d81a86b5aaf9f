import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import { type AuthenticatedRequest, type Caller, callerOf } from '../auth/principal';
import type { IdempotentRequest } from './writes.service';

/** What a write takes from its request: who, its Idempotency-Key and body as sent, and its If-Match header. */
export interface WriteRequest extends Omit<IdempotentRequest, 'scope'> {
  caller: Caller;
  /** The If-Match header as sent; parsed inside the write's transaction (see http/etag.ts ifMatch). */
  ifMatch: string | undefined;
}

const header = (request: AuthenticatedRequest, name: string) => request.headers[name] as string | undefined;

/** The WriteRequest of a write's request, as one handler parameter (the body is the raw one, not the validated DTO). */
export const CurrentWrite = createParamDecorator((_: unknown, ctx: ExecutionContext): WriteRequest => {
  const request = ctx.switchToHttp().getRequest<AuthenticatedRequest>();
  return { caller: callerOf(request), key: header(request, 'idempotency-key'), body: request.body, ifMatch: header(request, 'if-match') };
});
