import helmet from 'helmet';
import { describe, expect, it } from 'vitest';
import { staticHeaders } from './security-headers';

describe('staticHeaders', () => {
  it("captures helmet's headers once, lower-cased, as a real response would get them", () => {
    const headers = staticHeaders(helmet({ contentSecurityPolicy: { directives: { defaultSrc: ["'self'"] } } }));
    expect(headers).toMatchObject({
      'x-content-type-options': 'nosniff',
      'x-frame-options': 'SAMEORIGIN',
      'referrer-policy': 'no-referrer',
      'strict-transport-security': expect.stringMatching(/^max-age=\d+/),
      'content-security-policy': expect.stringContaining("default-src 'self'"),
    });
    expect(headers['x-powered-by']).toBeUndefined();
  });

  it('refuses a middleware that does not simply pass the request on (its headers would not be static)', () => {
    expect(() => staticHeaders(() => undefined)).toThrow(/not static/);
    expect(() => staticHeaders((_req, _res, next) => next(new Error('boom')))).toThrow('boom');
  });

  it('keeps what was set last and drops what was removed', () => {
    const headers = staticHeaders((_req, res, next) => {
      res.setHeader('X-A', '1');
      res.setHeader('x-a', ['2', '3']);
      res.setHeader('X-B', 4);
      res.removeHeader('x-b');
      next();
    });
    expect(headers).toEqual({ 'x-a': '2, 3' });
  });
});
