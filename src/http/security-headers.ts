import type { IncomingMessage, ServerResponse } from 'node:http';

type ConnectMiddleware = (req: IncomingMessage, res: ServerResponse, next: (err?: unknown) => void) => void;

/**
 * The headers a connect-style middleware sets when they do not depend on the request (helmet's, as configured
 * here): it runs once on a stand-in request and response, and the headers it set are returned, so a request pays
 * for one `reply.headers(...)` instead of the middleware's work. Throws if the middleware does anything else
 * (calls next with an error, or answers), since then its headers would not be static.
 */
export function staticHeaders(middleware: ConnectMiddleware): Record<string, string> {
  const headers: Record<string, string> = {};
  const response = {
    setHeader(name: string, value: string | number | readonly string[]) {
      headers[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : String(value);
      return response;
    },
    removeHeader(name: string) {
      delete headers[name.toLowerCase()];
    },
    getHeader: (name: string) => headers[name.toLowerCase()],
  };
  let nextCalled = false;
  middleware({ headers: {}, method: 'GET', url: '/' } as IncomingMessage, response as unknown as ServerResponse, (err) => {
    if (err) throw err instanceof Error ? err : new Error(String(err));
    nextCalled = true;
  });
  if (!nextCalled) throw new Error('the middleware did not pass the request on synchronously; its headers are not static');
  return headers;
}
