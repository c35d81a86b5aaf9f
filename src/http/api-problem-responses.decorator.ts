import { applyDecorators } from '@nestjs/common';
import { ApiExtraModels, ApiProperty, ApiPropertyOptional, ApiResponse, getSchemaPath } from '@nestjs/swagger';
import { FindingResponse } from '../common/domain.responses';

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

/** An RFC 9457 problem document, as the one filter (problem-details.filter.ts) writes it. */
export class ProblemResponse {
  @ApiProperty() type!: string;
  @ApiProperty() title!: string;
  @ApiProperty({ type: 'integer' }) status!: number;
  @ApiProperty() detail!: string;
  @ApiProperty({ example: 'BAD_REQUEST', description: 'The stable code (API.md)' }) code!: string;
  @ApiPropertyOptional() instance?: string;
  @ApiPropertyOptional() requestId?: string;
  @ApiPropertyOptional({ type: [FindingResponse], description: 'CONFIG_INVALID: every finding' }) findings?: FindingResponse[];
}

/** Documents the RFC 9457 problem+json responses a route can give (plus 429 and 503, which any route can). */
export function ApiProblemResponses(...statuses: number[]) {
  const all = [...new Set([...statuses, 429, 503])].sort();
  return applyDecorators(
    ApiExtraModels(ProblemResponse),
    ...all.map((status) =>
      ApiResponse({
        status,
        description: DESCRIPTIONS[status] ?? 'Error',
        content: { 'application/problem+json': { schema: { $ref: getSchemaPath(ProblemResponse) } } },
      }),
    ),
  );
}
