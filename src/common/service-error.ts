/**
 * What went wrong, in the service's terms. Services throw these; the one problem+json filter
 * (http/problem-details.filter.ts) decides the HTTP status from `kind`. `code` is the stable API.md code.
 */
export type ServiceErrorKind =
  | 'bad_request'
  | 'unauthenticated'
  | 'forbidden'
  | 'not_found'
  | 'conflict'
  | 'precondition_failed'
  | 'payload_too_large'
  | 'unsupported_media_type'
  | 'unprocessable'
  | 'rate_limited'
  | 'unavailable';

export class ServiceError extends Error {
  override name = 'ServiceError';
  constructor(
    readonly kind: ServiceErrorKind,
    readonly code: string,
    message: string,
    /** Extra members for the problem document (e.g. `findings`). */
    readonly extra: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

export const notFound = (code: string, message: string) => new ServiceError('not_found', code, message);
export const conflict = (code: string, message: string, extra?: Record<string, unknown>) =>
  new ServiceError('conflict', code, message, extra);
export const forbidden = (code: string, message: string) => new ServiceError('forbidden', code, message);
export const badRequest = (message: string, extra?: Record<string, unknown>) =>
  new ServiceError('bad_request', 'BAD_REQUEST', message, extra);
