import 'reflect-metadata';
import { Controller, Get, Post } from '@nestjs/common';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import type { AuthenticatedKey, Authenticator } from '../auth/authenticator';
import type { AuthenticatedRequest } from '../auth/principal';
import { Public } from '../auth/public.decorator';
import { RequireRole } from '../auth/roles.decorator';
import { answerCachedReads, cachedRead } from './cached-reads';
import type { EtaggedBody } from './etag';

@RequireRole('approver')
@Controller('v1/things')
class ThingsController {
  @Get(':id')
  get(): void {}

  @Get(':id/secret')
  @RequireRole('admin')
  secret(): void {}

  @Post(':id')
  create(): void {}
}

@Controller('/v1/plain/')
class PlainController {
  @Get()
  list(): void {}
}

@Public()
@Controller('healthz')
class OpenController {
  @Get()
  get(): void {}
}

describe('cachedRead', () => {
  it("takes the route's path and role from the controller's decorators", () => {
    const none = () => undefined;
    expect(cachedRead(ThingsController, 'get', none)).toMatchObject({ url: '/v1/things/:id', role: 'approver' });
    expect(cachedRead(ThingsController, 'secret', none)).toMatchObject({ url: '/v1/things/:id/secret', role: 'admin' });
    // no @RequireRole anywhere: admin, as the AuthGuard reads it
    expect(cachedRead(PlainController, 'list', none)).toMatchObject({ url: '/v1/plain', role: 'admin' });
  });

  it('refuses what is not an authenticated GET route', () => {
    expect(() => cachedRead(ThingsController, 'create', () => undefined)).toThrow(/not a GET route/);
    expect(() => cachedRead(ThingsController, 'nothing', () => undefined)).toThrow(/not a GET route/);
    expect(() => cachedRead(OpenController, 'get', () => undefined)).toThrow(/public/);
  });
});

describe('answerCachedReads', () => {
  const keys: Record<string, AuthenticatedKey> = {
    approver: { id: 'k1', name: 'Approver-Bot', roles: ['approver'], canActFor: true },
    reader: { id: 'k2', name: 'reader', roles: ['reader'], canActFor: false },
  };
  const cache = new Map<string, EtaggedBody>();
  let app: FastifyInstance;
  let handled: string[];
  let checks = 0;

  /** A Fastify app with the hook on /v1/things/:id; `principals` collects each request's principal after it. */
  async function start(authenticator: Authenticator, principals?: unknown[]): Promise<FastifyInstance> {
    handled = [];
    app = Fastify();
    answerCachedReads(app, authenticator, [cachedRead(ThingsController, 'get', ({ id }) => cache.get(id))]);
    app.get('/v1/things/:id', async (request) => {
      handled.push(request.url);
      return { from: 'controller' };
    });
    if (principals) {
      app.addHook('onResponse', async (request) => {
        principals.push((request as AuthenticatedRequest).principal);
      });
    }
    await app.ready();
    return app;
  }

  const byToken: Authenticator = {
    authenticateRequest: async (request) => {
      checks++;
      const token = /^Bearer (.+)$/.exec(request.headers.authorization ?? '')?.[1];
      return token ? (keys[token] ?? null) : null;
    },
  };

  afterEach(async () => {
    await app?.close();
    cache.clear();
  });

  it('answers a hit for a key with the role before the handler, with the ETag, and 304 on If-None-Match', async () => {
    await start(byToken);
    cache.set('7', { etag: '"r3"', body: '{"id":7}' });
    const hit = await app.inject({ url: '/v1/things/7', headers: { authorization: 'Bearer approver' } });
    expect(hit.statusCode).toBe(200);
    expect(hit.body).toBe('{"id":7}');
    expect(hit.headers.etag).toBe('"r3"');
    expect(hit.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(handled).toEqual([]);
    const notModified = await app.inject({ url: '/v1/things/7', headers: { authorization: 'Bearer approver', 'if-none-match': 'W/"r3"' } });
    expect(notModified.statusCode).toBe(304);
    expect(notModified.body).toBe('');
    expect(notModified.headers.etag).toBe('"r3"');
    const changed = await app.inject({ url: '/v1/things/7', headers: { authorization: 'Bearer approver', 'if-none-match': '"r2"' } });
    expect(changed.statusCode).toBe(200);
    expect(handled).toEqual([]);
  });

  it('sets the principal of the key as the guard would (lower-cased actor), for the request log', async () => {
    cache.set('7', { etag: '"r3"', body: '{"id":7}' });
    const principals: unknown[] = [];
    await start(byToken, principals);
    await app.inject({ url: '/v1/things/7', headers: { authorization: 'Bearer approver' } });
    expect(principals).toEqual([{ kind: 'key', keyId: 'k1', keyName: 'Approver-Bot', roles: ['approver'], canActFor: true, actor: 'approver-bot', via: null }]);
  });

  it('leaves everything but the plain case to the handler', async () => {
    await start(byToken);
    cache.set('7', { etag: '"r3"', body: '{"id":7}' });
    const cases: Array<{ url?: string; method?: 'GET' | 'HEAD'; headers: Record<string, string> }> = [
      { headers: {} }, // no token
      { headers: { authorization: 'Bearer nobody' } }, // unknown token
      { headers: { authorization: 'Bearer reader' } }, // the key lacks the route's role
      { url: '/v1/things/7?x=1', headers: { authorization: 'Bearer approver' } }, // a query: the controller checks it
      { url: '/v1/things/7?flag', headers: { authorization: 'Bearer approver' } },
      { headers: { authorization: 'Bearer approver', 'x-acting-for': 'alice' } }, // acting for a person
      { url: '/v1/things/8', headers: { authorization: 'Bearer approver' } }, // a miss
      { method: 'HEAD', headers: { authorization: 'Bearer approver' } },
    ];
    for (const c of cases) {
      const res = await app.inject({ method: c.method ?? 'GET', url: c.url ?? '/v1/things/7', headers: c.headers });
      expect(res.statusCode, JSON.stringify(c)).toBe(200);
      if (c.method !== 'HEAD') expect(res.json(), JSON.stringify(c)).toEqual({ from: 'controller' });
    }
    expect(handled).toHaveLength(cases.length);
  });

  it('leaves a failed key check to the handler (whose guard answers it)', async () => {
    await start({ authenticateRequest: async () => Promise.reject(new Error('database down')) });
    cache.set('7', { etag: '"r3"', body: '{"id":7}' });
    const res = await app.inject({ url: '/v1/things/7', headers: { authorization: 'Bearer approver' } });
    expect(res.json()).toEqual({ from: 'controller' });
  });

  it('reads the cache after the key check, so a change made meanwhile is not answered from before it', async () => {
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    await start({
      authenticateRequest: async (request) => {
        await held;
        return byToken.authenticateRequest(request);
      },
    });
    cache.set('7', { etag: '"r3"', body: '{"v":"old"}' });
    const pending = app.inject({ url: '/v1/things/7', headers: { authorization: 'Bearer approver' } });
    await new Promise((resolve) => setTimeout(resolve, 20));
    cache.set('7', { etag: '"r4"', body: '{"v":"new"}' });
    release();
    const res = await pending;
    expect(res.body).toBe('{"v":"new"}');
    expect(res.headers.etag).toBe('"r4"');
    expect(checks).toBeGreaterThan(0);
  });
});
