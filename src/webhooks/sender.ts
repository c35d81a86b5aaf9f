import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { isIP } from 'node:net';
import { forbiddenAddress, guardedLookup } from './address-guard';

/** How much of an answer is read (the rest is dropped with the connection) and how much of it is kept. */
export const READ_LIMIT_BYTES = 64 * 1024;
export const STORE_LIMIT_BYTES = 1024;

export interface SendResult {
  /** The HTTP status, or null when there was no answer. */
  status: number | null;
  /** Why the attempt failed without an answer (or with a non-2xx one), in words. */
  error: string | null;
  /** At most 1 KB of the answer's body. */
  body: string | null;
  durationMs: number;
}

export interface SendOptions {
  url: string;
  headers: Record<string, string>;
  body: string;
  timeoutMs: number;
  allowPrivate: boolean;
  /** Aborts the attempt (shutdown). */
  signal?: AbortSignal;
}

/**
 * One POST to a receiver: no redirects followed (a 3xx is just a failed attempt), the whole exchange within
 * `timeoutMs`, at most 64 KB of the answer read and 1 KB kept. Never throws: every outcome is a SendResult.
 */
export function send(options: SendOptions): Promise<SendResult> {
  const started = performance.now();
  const done = (status: number | null, error: string | null, body: string | null): SendResult => ({
    status,
    error,
    body,
    durationMs: Math.round(performance.now() - started),
  });
  return new Promise<SendResult>((resolve) => {
    let url: URL;
    try {
      url = new URL(options.url);
    } catch {
      return resolve(done(null, 'the url is not valid', null));
    }
    const host = url.hostname.replace(/^\[|\]$/g, '');
    if (!options.allowPrivate && isIP(host)) {
      const why = forbiddenAddress(host);
      if (why) return resolve(done(null, `${host} is ${why}; refused (WEBHOOK_ALLOW_PRIVATE is not set)`, null));
    }
    let settled = false;
    const finish = (result: SendResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', onAbort);
      resolve(result);
    };
    const request = (url.protocol === 'https:' ? httpsRequest : httpRequest)(
      url,
      {
        method: 'POST',
        headers: { ...options.headers, 'content-length': String(Buffer.byteLength(options.body)), 'user-agent': 'aks-proxy-config-webhooks/1' },
        lookup: guardedLookup(options.allowPrivate),
        agent: false, // one connection per attempt: nothing pooled towards a receiver that misbehaves
      },
      (response: IncomingMessage) => {
        const chunks: Buffer[] = [];
        let read = 0;
        const complete = () => {
          const text = Buffer.concat(chunks).subarray(0, STORE_LIMIT_BYTES).toString('utf8');
          const status = response.statusCode ?? 0;
          const ok = status >= 200 && status < 300;
          const error = ok
            ? null
            : status >= 300 && status < 400
              ? `answered ${status} (a redirect${response.headers.location ? ` to ${String(response.headers.location).slice(0, 200)}` : ''}; redirects are not followed)`
              : `answered ${status}`;
          finish(done(status, error, text || null));
          request.destroy();
        };
        response.on('data', (chunk: Buffer) => {
          if (read < STORE_LIMIT_BYTES) chunks.push(chunk);
          read += chunk.length;
          if (read >= READ_LIMIT_BYTES) complete(); // enough: the rest is not read
        });
        response.on('end', complete);
        response.on('error', () => complete());
      },
    );
    const timer = setTimeout(() => {
      finish(done(null, `no complete answer within ${options.timeoutMs} ms`, null));
      request.destroy();
    }, options.timeoutMs);
    const onAbort = () => {
      finish(done(null, 'the attempt was cut short by shutdown', null));
      request.destroy();
    };
    options.signal?.addEventListener('abort', onAbort, { once: true });
    request.on('error', (err: NodeJS.ErrnoException) => {
      finish(done(null, err.code === 'EFORBIDDENADDRESS' ? err.message : `${err.code ?? 'ERROR'}: ${err.message}`.slice(0, 300), null));
    });
    request.end(options.body);
  });
}
