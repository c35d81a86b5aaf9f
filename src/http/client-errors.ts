import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { Logger } from 'pino';
import { buildProblem } from './problem-details.filter';

/**
 * Node's HTTP parser answers some requests before Fastify, let alone Nest, sees them: headers or URL over
 * `maxHeaderSize` (16 KB), malformed framing (a NUL or CR inside a header, both Content-Length and
 * Transfer-Encoding, an invalid method or URL byte). It emits `clientError` with the socket and no request, and
 * whatever is written on the socket is the whole answer. This handler writes a problem+json answer with a `code`
 * (Fastify's default writes `{"error","message","statusCode"}`), then closes the connection: after a framing error
 * the rest of the bytes on it cannot be trusted. Nothing of the request is echoed.
 */
export const MAX_HEADER_BYTES = 16 * 1024;

const DETAIL_BY_PARSER_CODE: Record<string, { status: number; code: string; detail: string }> = {
  HPE_HEADER_OVERFLOW: {
    status: 431,
    code: 'HEADERS_TOO_LARGE',
    detail: `The request line and headers are larger than ${MAX_HEADER_BYTES / 1024} KB, the limit.`,
  },
  ERR_HTTP_REQUEST_TIMEOUT: { status: 408, code: 'REQUEST_TIMEOUT', detail: 'The request was not received in time.' },
  HPE_UNEXPECTED_CONTENT_LENGTH: {
    status: 400,
    code: 'BAD_REQUEST',
    detail: 'The request has both Content-Length and Transfer-Encoding, or a Content-Length where none is allowed; send one of them.',
  },
  HPE_INVALID_CONTENT_LENGTH: { status: 400, code: 'BAD_REQUEST', detail: 'The Content-Length header is invalid.' },
  HPE_INVALID_TRANSFER_ENCODING: {
    status: 400,
    code: 'BAD_REQUEST',
    detail: 'The Transfer-Encoding header is invalid, or sent together with Content-Length; send one of them.',
  },
  HPE_INVALID_HEADER_TOKEN: {
    status: 400,
    code: 'BAD_REQUEST',
    detail: 'A request header is malformed (a NUL, CR or other character not allowed in a header).',
  },
  HPE_LF_EXPECTED: { status: 400, code: 'BAD_REQUEST', detail: 'A request header is malformed (a CR not followed by LF).' },
  HPE_CR_EXPECTED: { status: 400, code: 'BAD_REQUEST', detail: 'A request line or header is malformed (a line not ended by CRLF).' },
  HPE_INVALID_URL: { status: 400, code: 'BAD_REQUEST', detail: 'The request URL is malformed.' },
  HPE_INVALID_METHOD: { status: 400, code: 'BAD_REQUEST', detail: 'The request method is malformed.' },
  HPE_INVALID_VERSION: { status: 400, code: 'BAD_REQUEST', detail: 'The HTTP version is malformed.' },
  HPE_INVALID_CHUNK_SIZE: { status: 400, code: 'BAD_REQUEST', detail: 'A chunk size of the chunked body is malformed.' },
};

const GENERIC = { status: 400, code: 'BAD_REQUEST', detail: 'The request is malformed HTTP/1.1 and cannot be read.' };

/** The raw HTTP/1.1 answer (status line, headers, problem+json body) for a parser error. */
export function clientErrorResponse(errorCode: string | undefined, headers: Record<string, string> = {}): string {
  const known = (errorCode && DETAIL_BY_PARSER_CODE[errorCode]) || GENERIC;
  const body = JSON.stringify(buildProblem(known.status, known.code, known.detail));
  const extra = Object.entries(headers)
    .map(([name, value]) => `${name}: ${value}\r\n`)
    .join('');
  return (
    `HTTP/1.1 ${known.status} ${STATUS_CODES[known.status] ?? 'Bad Request'}\r\n` +
    `Content-Type: application/problem+json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n${extra}\r\n${body}`
  );
}

/** Fastify's `clientErrorHandler` option: problem+json instead of Fastify's own JSON shape. */
export function problemClientErrorHandler(logger: Logger, securityHeaders: Record<string, string>) {
  return (err: NodeJS.ErrnoException, socket: Socket): void => {
    if (err.code === 'ECONNRESET' || socket.destroyed) return;
    logger.debug({ code: err.code }, 'malformed request refused by the HTTP parser');
    if (socket.writable) socket.end(clientErrorResponse(err.code, securityHeaders));
    // end() flushes, then closes; destroy anyway if the peer does not read
    setTimeout(() => socket.destroy(), 1000).unref();
  };
}
