import { applyDecorators } from '@nestjs/common';
import { ApiResponse } from '@nestjs/swagger';

const DESCRIPTIONS: Record<number, string> = {
  400: 'BAD_REQUEST: malformed JSON or an invalid body or query',
  401: 'UNAUTHENTICATED: missing, unknown or revoked token',
  403: 'FORBIDDEN (role lacking) or SELF_APPROVAL',
  404: 'Not found (CLUSTER_NOT_FOUND, VERSION_NOT_FOUND, API_KEY_NOT_FOUND)',
  409: 'Conflict (CLUSTER_EXISTS, ALREADY_DECIDED, NOT_PENDING, NOT_APPROVED, RENDER_UNSUPPORTED)',
  412: 'PRECONDITION_FAILED: If-Match does not match the current ETag',
  413: 'PAYLOAD_TOO_LARGE: the body is over 1 MiB',
  415: 'UNSUPPORTED_MEDIA_TYPE: the body is not application/json',
  422: 'CONFIG_INVALID (with findings) or IDEMPOTENCY_KEY_REUSED',
  429: 'RATE_LIMITED: too many requests for this key; see Retry-After',
  503: 'DATABASE_UNAVAILABLE: the database is not reachable right now',
};

export const PROBLEM_SCHEMA = {
  type: 'object',
  required: ['type', 'title', 'status', 'detail', 'code'],
  properties: {
    type: { type: 'string' },
    title: { type: 'string' },
    status: { type: 'integer' },
    detail: { type: 'string' },
    code: { type: 'string', example: 'BAD_REQUEST' },
    instance: { type: 'string' },
    requestId: { type: 'string' },
    findings: { type: 'array', items: { type: 'object' } },
  },
};

/** Documents the RFC 9457 problem+json responses a route can give (plus 429 and 503, which any route can). */
export function ApiProblemResponses(...statuses: number[]) {
  const all = [...new Set([...statuses, 429, 503])].sort();
  return applyDecorators(
    ...all.map((status) =>
      ApiResponse({ status, description: DESCRIPTIONS[status] ?? 'Error', content: { 'application/problem+json': { schema: PROBLEM_SCHEMA } } }),
    ),
  );
}
