import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { createApp } from '../src/app.factory';
import { ADMIN_TOKEN_LINE_MARKER } from '../src/api-keys/admin-bootstrap.service';
import { loadConfig } from '../src/config/app-config';
import { createLogger } from '../src/logging/logger';
import { ADMIN_TOKEN, bearer, DATABASE, freshPostgresDatabase, startTestApp, type TestApp } from './support/test-app';

// What an operator trips on (issue 15, "Operations"): metric names by the Prometheus rules, request log lines that
// name the bot and the problem code, and the generated admin token on stderr, never in the JSON log stream.
const ROOT = join(__dirname, '..');
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };

interface Family {
  name: string;
  type: string;
  help: string;
}

/** The metric families of a Prometheus text exposition (# HELP / # TYPE lines). */
function families(text: string): Family[] {
  const help = new Map<string, string>();
  const out: Family[] = [];
  for (const line of text.split('\n')) {
    const h = /^# HELP (\S+) (.*)$/.exec(line);
    if (h) help.set(h[1]!, h[2]!);
    const t = /^# TYPE (\S+) (\S+)$/.exec(line);
    if (t) out.push({ name: t[1]!, type: t[2]!, help: help.get(t[1]!) ?? '' });
  }
  return out;
}

/**
 * The Prometheus naming rules (prometheus.io/docs/practices/naming) as checks on one family. Returns what is wrong.
 * The process_* and nodejs_* families are the Node client's standard ones; every other family has the prefix.
 */
function namingProblems(f: Family): string[] {
  const problems: string[] = [];
  if (!/^[a-zA-Z_:][a-zA-Z0-9_:]*$/.test(f.name)) problems.push('not a valid metric name');
  if (!/^(aksproxy_|process_|nodejs_)/.test(f.name)) problems.push('no aksproxy_ prefix');
  if (f.type === 'counter' && !f.name.endsWith('_total')) problems.push('a counter without _total');
  if (f.type !== 'counter' && /_total$/.test(f.name)) problems.push(`a ${f.type} named _total (kept for counters)`);
  if ((f.type === 'histogram' || f.type === 'summary') && !/_(seconds|bytes)$/.test(f.name)) problems.push('a distribution without its base unit');
  if (/_(count|sum|bucket)$/.test(f.name)) problems.push('a reserved suffix');
  if (/_(milliseconds|ms|microseconds|minutes|hours|kilobytes|megabytes|kb|mb|percent)(_|$)/.test(f.name)) problems.push('not a base unit');
  if (/_info$/.test(f.name) && f.type !== 'gauge') problems.push('an _info metric that is not a gauge');
  if (f.help.trim() === '') problems.push('no HELP text');
  return problems;
}

describe(`operations (${DATABASE})`, () => {
  let t: TestApp;
  let sam: string;
  let bot: string;

  beforeAll(async () => {
    t = await startTestApp();
    sam = await t.key('sam', ['submitter']);
    bot = await t.key('chatops', ['submitter', 'approver'], { canActFor: true });
    // the person the bot acts for must be known, with the role it acts with (API.md "People and sign-in")
    await t.http().put('/v1/people/dora').set(bearer(ADMIN_TOKEN)).send({ roles: ['submitter', 'approver'] }).expect(201);
    await t.http().post('/v1/clusters').set(bearer(sam)).send({ name: 'ops', resourceGroup: 'rg' }).expect(201);
    await t.http().post('/v1/clusters/ops/configs').set(bearer(sam)).send({ config: { httpProxy: 'http://p:3128/' }, reason: 'r' }).expect(201);
    await t.http().post('/v1/clusters/ops/configs/1/decisions').set(bearer(bot)).set('x-acting-for', 'dora').send({ decision: 'approve' }).expect(201);
  });
  afterAll(async () => {
    await t?.close();
  });

  describe('metrics follow the Prometheus naming rules', () => {
    let text: string;
    beforeAll(async () => {
      const res = await t.http().get('/metrics');
      expect(res.status).toBe(200);
      text = res.text;
    });

    it('every exported family passes the rules (checked with a sample that breaks each)', () => {
      const all = families(text);
      expect(all.length).toBeGreaterThan(20);
      expect(all.flatMap((f) => namingProblems(f).map((p) => `${f.name} (${f.type}): ${p}`))).toEqual([]);
      // The rules do catch the old names and other mistakes.
      expect(namingProblems({ name: 'db_pool_connections_total', type: 'gauge', help: 'x' })).toEqual(['no aksproxy_ prefix', 'a gauge named _total (kept for counters)']);
      expect(namingProblems({ name: 'aksproxy_requests', type: 'counter', help: 'x' })).toEqual(['a counter without _total']);
      expect(namingProblems({ name: 'aksproxy_latency_ms', type: 'histogram', help: '' })).toEqual([
        'a distribution without its base unit',
        'not a base unit',
        'no HELP text',
      ]);
    });

    it("the service's own families have the aksproxy_ prefix; the old names are gone", () => {
      const names = families(text).map((f) => f.name);
      for (const name of ['aksproxy_http_requests_total', 'aksproxy_http_request_duration_seconds', 'aksproxy_config_submissions_total', 'aksproxy_config_decisions_total', 'aksproxy_build_info'])
        expect(names).toContain(name);
      for (const old of ['http_requests_total', 'http_request_duration_seconds', 'config_submissions_total', 'config_decisions_total', 'db_pool_connections_total'])
        expect(names).not.toContain(old);
      expect(text).toMatch(/^aksproxy_config_decisions_total\{decision="approve",result="approved"\} 1$/m);
    });

    it('requests are counted by method, route and status, with a latency histogram whose buckets add up', async () => {
      const sample = (body: string, line: string) => Number(new RegExp(`^${line.replace(/[{}()[\].+*?^$|\\]/g, '\\$&')} (\\S+)$`, 'm').exec(body)?.[1] ?? 0);
      const labels = 'method="GET",route="/v1/clusters/:name",status="404"';
      const before = await t.http().get('/metrics');
      for (let i = 0; i < 3; i++) await t.http().get('/v1/clusters/no-such-cluster').set(bearer(sam)).expect(404);
      const after = (await t.http().get('/metrics')).text;
      expect(sample(after, `aksproxy_http_requests_total{${labels}}`) - sample(before.text, `aksproxy_http_requests_total{${labels}}`)).toBe(3);
      const count = sample(after, `aksproxy_http_request_duration_seconds_count{${labels}}`);
      expect(count).toBeGreaterThanOrEqual(3);
      expect(sample(after, `aksproxy_http_request_duration_seconds_bucket{le="+Inf",${labels}}`)).toBe(count);
      expect(sample(after, `aksproxy_http_request_duration_seconds_sum{${labels}}`)).toBeGreaterThan(0);
      // cumulative buckets: never decreasing, up to the count
      const buckets = [...after.matchAll(new RegExp(`^aksproxy_http_request_duration_seconds_bucket\\{le="([^"]+)",${labels.replace(/[/:]/g, (c) => c)}\\} (\\d+)$`, 'gm'))].map((m) => Number(m[2]));
      expect(buckets).toHaveLength(13);
      expect(buckets).toEqual([...buckets].sort((a, b) => a - b));
      expect(buckets.at(-1)).toBe(count);
    });

    it('aksproxy_build_info is 1 with the version and the Node.js version', () => {
      expect(text).toContain(`aksproxy_build_info{version="${pkg.version}",node="${process.version}"} 1\n`);
    });

    it(DATABASE === 'pglite' ? 'no pool gauges on PGlite (it has no pool)' : 'pool gauges on PostgreSQL', () => {
      const pool = families(text).filter((f) => f.name.startsWith('aksproxy_db_pool_')).map((f) => f.name);
      if (DATABASE === 'pglite') expect(pool).toEqual([]);
      else expect(pool.sort()).toEqual(['aksproxy_db_pool_connections', 'aksproxy_db_pool_connections_idle', 'aksproxy_db_pool_requests_waiting']);
    });

    it('the README names every aksproxy_ family', () => {
      const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
      const ours = families(text).map((f) => f.name).filter((n) => n.startsWith('aksproxy_'));
      for (const name of new Set([...ours, 'aksproxy_db_pool_connections', 'aksproxy_db_pool_connections_idle', 'aksproxy_db_pool_requests_waiting']))
        expect(readme, name).toContain(`\`${name}`);
    });
  });

  describe('request log lines', () => {
    const lines = () => t.logs.flatMap((l) => l.split('\n')).filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);
    const requestLine = (reqId: string) => lines().find((l) => l.msg === 'request' && l.reqId === reqId);

    it('name the bot (via) when a bot acts for a person', async () => {
      const res = await t.http().get('/v1/clusters/ops').set(bearer(bot)).set('x-acting-for', 'dora').set('x-request-id', 'log-via-1');
      expect(res.status).toBe(200);
      expect(requestLine('log-via-1')).toMatchObject({ actor: 'dora', via: 'chatops', status: 200 });
      expect(requestLine('log-via-1')).not.toHaveProperty('code');
      await t.http().get('/v1/clusters/ops').set(bearer(sam)).set('x-request-id', 'log-via-2').expect(200);
      expect(requestLine('log-via-2')).toMatchObject({ actor: 'sam' });
      expect(requestLine('log-via-2')).not.toHaveProperty('via');
    });

    it.each([
      ['a 404', () => t.http().get('/v1/clusters/nope').set(bearer(sam)), 404, 'CLUSTER_NOT_FOUND'],
      ['a 401', () => t.http().get('/v1/clusters'), 401, 'UNAUTHENTICATED'],
      ['a 400 from validation', () => t.http().post('/v1/clusters/ops/configs').set(bearer(sam)).send({}), 400, 'BAD_REQUEST'],
      ['a 400 for malformed JSON', () => t.http().post('/v1/validate').set(bearer(sam)).set('content-type', 'application/json').send('{'), 400, 'BAD_REQUEST'],
      ['a 409', () => t.http().post('/v1/clusters/ops/configs/1/decisions').set(bearer(bot)).send({ decision: 'approve' }), 409, 'NOT_PENDING'],
      ['a 404 of the router', () => t.http().get('/v2/nothing'), 404, 'NOT_FOUND'],
    ])('carry the problem code of %s', async (_what, send, status, code) => {
      const reqId = `log-code-${status}-${code}-${Math.random().toString(36).slice(2)}`;
      const res = await send().set('x-request-id', reqId);
      expect(res.status).toBe(status);
      expect(res.body.code).toBe(code);
      expect(requestLine(reqId)).toMatchObject({ status, code });
    });
  });
});

describe('the generated admin token', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('is printed once on stderr as its own marked line, never through the JSON logger or on stdout', async () => {
    const stderr: string[] = [];
    const stdout: string[] = [];
    vi.spyOn(process.stderr, 'write').mockImplementation(((chunk: unknown) => {
      stderr.push(String(chunk));
      return true;
    }) as typeof process.stderr.write);
    vi.spyOn(process.stdout, 'write').mockImplementation(((chunk: unknown) => {
      stdout.push(String(chunk));
      return true;
    }) as typeof process.stdout.write);
    const logs: string[] = [];
    const sink = new Writable({
      write(chunk, _enc, done) {
        logs.push(chunk.toString());
        done();
      },
    });
    // No ADMIN_TOKEN and an empty database: the first start creates the key.
    const pg = process.env.DATABASE_URL ? await freshPostgresDatabase(process.env.DATABASE_URL) : null;
    const config = loadConfig({ DATA_DIR: ':memory:', LOG_LEVEL: 'info', RATE_LIMIT_PER_MINUTE: '0', ...(pg ? { DATABASE_URL: pg.url } : {}) });
    const app = await createApp({ config, logger: createLogger(config.logLevel, sink) });
    try {
      await app.getHttpAdapter().getInstance().ready();
      vi.restoreAllMocks();
      const marked = stderr.filter((s) => s.includes(ADMIN_TOKEN_LINE_MARKER));
      expect(marked).toHaveLength(1);
      const line = marked[0]!;
      expect(line.startsWith(ADMIN_TOKEN_LINE_MARKER)).toBe(true);
      expect(line.endsWith('\n')).toBe(true);
      expect(line.slice(0, -1)).not.toContain('\n');
      const token = line.trim().split(' ').pop()!;
      expect(token.length).toBeGreaterThanOrEqual(32);
      // It works, and it is nowhere else: not in the JSON log lines, not on stdout.
      const { default: request } = await import('supertest');
      const res = await request(app.getHttpServer()).get('/v1/clusters').set('authorization', `Bearer ${token}`);
      expect(res.status).toBe(200);
      expect(logs.join('')).not.toContain(token);
      expect(stdout.join('')).not.toContain(token);
      for (const l of logs.join('').split('\n').filter(Boolean)) expect(() => JSON.parse(l)).not.toThrow();
      expect(logs.join('')).toContain('created the first admin API key');
    } finally {
      vi.restoreAllMocks();
      await app.close();
      await pg?.drop();
    }
    // A whole second app with its own database: as long as the other files' start-ups (hookTimeout).
  }, 60_000);
});
