import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { containsPrivateKey } from '../domain/redact';

const SAFE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * X-Request-Id is taken from the request when it is a sane token, else made; it is echoed, logged and audited, so
 * a value that is a private key (base64 of its DER fits the token pattern) is replaced too.
 */
export function requestIdFor(req: IncomingMessage): string {
  const given = req.headers['x-request-id'];
  const value = Array.isArray(given) ? given[0] : given;
  return value && SAFE_REQUEST_ID.test(value) && !(value.length >= 40 && containsPrivateKey(value)) ? value : randomUUID();
}
