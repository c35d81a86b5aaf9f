import { type ArgumentsHost, Catch, type ExceptionFilter, HttpException, Inject } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import { ServiceError, type ServiceErrorKind } from '../common/service-error';
import { RenderUnsupportedError } from '../domain/errors';
import { redactSecrets, redactSecretsDeep } from '../domain/redact';
import { LOGGER } from '../logging/logger';
import { JsonBodyError } from './json-syntax';

export interface ProblemDocument {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: string;
  instance?: string;
  requestId?: string;
  [extra: string]: unknown;
}

const STATUS_BY_KIND: Record<ServiceErrorKind, number> = {
  bad_request: 400,
  unauthenticated: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  precondition_failed: 412,
  payload_too_large: 413,
  unsupported_media_type: 415,
  unprocessable: 422,
  rate_limited: 429,
  unavailable: 503,
};

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  406: 'Not Acceptable',
  409: 'Conflict',
  412: 'Precondition Failed',
  413: 'Content Too Large',
  414: 'URI Too Long',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Content',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

const CODE_BY_STATUS: Record<number, string> = {
  400: 'BAD_REQUEST',
  401: 'UNAUTHENTICATED',
  403: 'FORBIDDEN',
  404: 'NOT_FOUND',
  405: 'METHOD_NOT_ALLOWED',
  406: 'NOT_ACCEPTABLE',
  409: 'CONFLICT',
  412: 'PRECONDITION_FAILED',
  413: 'PAYLOAD_TOO_LARGE',
  414: 'URI_TOO_LONG',
  415: 'UNSUPPORTED_MEDIA_TYPE',
  422: 'UNPROCESSABLE',
  429: 'RATE_LIMITED',
  500: 'INTERNAL',
  503: 'SERVICE_UNAVAILABLE',
};

/** Fastify's own errors (body parsing, limits) carry a statusCode and an FST_ code. */
interface FastifyLikeError {
  statusCode?: number;
  code?: string;
  message?: string;
}

const DATABASE_UNAVAILABLE =
  /P1001|P1002|P1008|P1017|P2024|P2028|DatabaseNotReachable|ConnectionClosed|TooManyConnections|ECONNREFUSED|ECONNRESET|EPIPE|ETIMEDOUT|EHOSTUNREACH|57P0[123]|57014|55P03|40P01|40001|P2034|53300|08001|08003|08006|08P01|Connection terminated|connection error|not queryable|server closed the connection|terminating connection|not currently accepting connections|not accepting connections|timeout exceeded when trying to connect|Can't reach database|not open yet|Transaction API error|Transaction already closed|Unable to start a transaction/i;

/**
 * Errors of the database driver or Prisma that mean "the database is not reachable right now", or that it gave up on
 * a statement that a retry may pass (lock_timeout 55P03, statement_timeout 57014, a deadlock 40P01 or serialization
 * failure 40001 / Prisma's P2034): the write did not happen (Prisma nests the driver's error).
 */
function isDatabaseUnavailable(err: unknown, depth = 0): boolean {
  if (!err || typeof err !== 'object' || depth > 3) return false;
  const e = err as { code?: unknown; name?: unknown; message?: unknown; kind?: unknown; meta?: unknown; cause?: unknown };
  const text = [e.name, e.code, e.kind, e.message].filter((v) => typeof v === 'string').join(' ');
  if (DATABASE_UNAVAILABLE.test(text)) return true;
  if (e.meta && typeof e.meta === 'object' && DATABASE_UNAVAILABLE.test(JSON.stringify(e.meta))) return true;
  return isDatabaseUnavailable(e.cause, depth + 1);
}

/**
 * PostgreSQL's verdict that a value sent to it is unusable (SQLSTATE class 22 "data exception": a NUL character,
 * an unpaired surrogate in JSON, a number out of range, a malformed time; 54000 for a NUL in a literal). Input
 * validation should stop such values first; this is the safety net that keeps them a 400 instead of a 500. The code
 * sits on the driver adapter's error, which Prisma nests in `meta.driverAdapterError.cause`.
 */
const DATA_EXCEPTION = /^(22[0-9A-Z]{3}|54000)$/;

function isInvalidInputForDatabase(err: unknown, depth = 0): boolean {
  if (!err || typeof err !== 'object' || depth > 4) return false;
  const e = err as { originalCode?: unknown; code?: unknown; kind?: unknown; meta?: { driverAdapterError?: unknown }; cause?: unknown };
  if (typeof e.originalCode === 'string' && DATA_EXCEPTION.test(e.originalCode)) return true;
  if (e.kind === 'postgres' && typeof e.code === 'string' && DATA_EXCEPTION.test(e.code)) return true;
  return isInvalidInputForDatabase(e.meta?.driverAdapterError, depth + 1) || isInvalidInputForDatabase(e.cause, depth + 1);
}

/** What to tell the caller about one of Fastify's own request errors, by its FST_ code. */
const FASTIFY_DETAILS: Record<string, string> = {
  FST_ERR_CTP_BODY_TOO_LARGE: 'The request body is larger than the service accepts (1 MiB unless configured otherwise).',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'Send the body as application/json.',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'The body is empty; send a JSON object.',
  FST_ERR_CTP_INVALID_JSON_BODY:
    'The body is not valid JSON, or it has a "__proto__" or "constructor": {"prototype"} key, which is refused; send a plain JSON object.',
};

function fastifyDetail(err: unknown): string | undefined {
  // A malformed JSON body: its message says where (line, column, offset) and what was expected, never what it holds.
  if (err instanceof JsonBodyError) return err.message;
  const code = (err as FastifyLikeError | undefined)?.code;
  return typeof code === 'string' ? FASTIFY_DETAILS[code] : undefined;
}

/** Where the problem `code` of an error answer is kept on the request, for the request log line. */
export const PROBLEM_CODE = Symbol('problemCode');

/** Remembers the `code` of the problem answered to a request (read by the request log line). */
export function noteProblemCode(request: object, code: string): void {
  (request as Record<symbol, string>)[PROBLEM_CODE] = code;
}

/** The `code` of the problem answered to a request, if any. */
export const problemCodeOf = (request: object): string | undefined => (request as Record<symbol, string | undefined>)[PROBLEM_CODE];

export function problemType(code: string): string {
  return `urn:aks-proxy-config:problem:${code.toLowerCase().replace(/_/g, '-')}`;
}

export function buildProblem(status: number, code: string, detail: string, extra: Record<string, unknown> = {}): ProblemDocument {
  return { type: problemType(code), title: TITLES[status] ?? 'Error', status, detail, code, ...extra };
}

/** Turns every error into RFC 9457 problem+json with a stable `code`. Never a stack trace in a response. */
export function toProblem(exception: unknown): { problem: ProblemDocument; headers: Record<string, string>; unexpected: boolean } {
  if (exception instanceof ServiceError) {
    const status = STATUS_BY_KIND[exception.kind];
    const { headers, ...extra } = exception.extra as { headers?: Record<string, string> };
    return { problem: buildProblem(status, exception.code, exception.message, extra), headers: headers ?? {}, unexpected: false };
  }
  if (exception instanceof RenderUnsupportedError) {
    return { problem: buildProblem(409, exception.code, exception.message), headers: {}, unexpected: false };
  }
  if (exception instanceof HttpException) {
    const status = exception.getStatus();
    const response = exception.getResponse();
    // Nest wraps Fastify's own 4xx errors (body parsing, limits) in an HttpException whose cause is the Fastify error.
    const fastifyMessage = fastifyDetail(exception.cause);
    const message = fastifyMessage ?? (
      typeof response === 'string'
        ? response
        : Array.isArray((response as { message?: unknown }).message)
          ? ((response as { message: string[] }).message).join('; ')
          : String((response as { message?: unknown }).message ?? exception.message));
    const code = status === 404 ? 'NOT_FOUND' : (CODE_BY_STATUS[status] ?? 'ERROR');
    return { problem: buildProblem(status, code, message), headers: {}, unexpected: status >= 500 };
  }
  const fe = exception as FastifyLikeError;
  if (fe && typeof fe.statusCode === 'number' && fe.statusCode >= 400 && fe.statusCode < 500) {
    const status = fe.statusCode;
    const detail = fastifyDetail(fe) ?? fe.message ?? 'Bad request';
    return { problem: buildProblem(status, CODE_BY_STATUS[status] ?? 'BAD_REQUEST', detail), headers: {}, unexpected: false };
  }
  if (isInvalidInputForDatabase(exception)) {
    return {
      problem: buildProblem(
        400,
        'BAD_REQUEST',
        'A value in the request cannot be stored or compared by the database (a NUL character, an unpaired surrogate, a number out of range); correct it and retry.',
      ),
      headers: {},
      unexpected: false,
    };
  }
  if (isDatabaseUnavailable(exception)) {
    return {
      problem: buildProblem(503, 'DATABASE_UNAVAILABLE', 'The database is not reachable right now or gave up on this request (a timeout or a conflict with another write); nothing was changed; retry shortly.'),
      headers: { 'retry-after': '2' },
      unexpected: false,
    };
  }
  return {
    problem: buildProblem(500, 'INTERNAL', 'An unexpected error occurred; it has been logged with the request id.'),
    headers: {},
    unexpected: true,
  };
}

@Catch()
export class ProblemDetailsFilter implements ExceptionFilter {
  constructor(@Inject(LOGGER) private readonly logger: Logger) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const ctx = host.switchToHttp();
    const reply = ctx.getResponse<FastifyReply>();
    const request = ctx.getRequest<FastifyRequest>();
    const { problem: raw, headers, unexpected } = toProblem(exception);
    const path = request.url.split('?')[0];
    if (raw.status === 404 && raw.code === 'NOT_FOUND' && /^Cannot [A-Z]+ /.test(raw.detail)) {
      // Nest's "no such route" (Cannot GET /path?query): the path only, never the query string.
      raw.detail = `Cannot ${request.method} ${path}: no such route.`;
    }
    // One redaction rule (domain/redact.ts) for everything a problem echoes: details, messages, findings, the path.
    const problem = redactSecretsDeep(raw);
    problem.instance = redactSecrets(path);
    problem.requestId = String(request.id);
    noteProblemCode(request, problem.code);
    if (unexpected) this.logger.error({ err: exception, reqId: request.id }, 'unhandled error');
    else if (problem.status === 503) this.logger.warn({ reqId: request.id, err: (exception as Error)?.message }, 'database unavailable');
    reply.status(problem.status).headers(headers).type('application/problem+json').send(problem);
  }
}
