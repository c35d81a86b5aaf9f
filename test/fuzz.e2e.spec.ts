// The bounded fuzz run of `npm test` (issue 17): requests generated with fast-check from openapi/openapi.json (every
// operation, valid and mutated bodies, parameters, headers, tokens of every role, stray routes), against the app
// in-process on this suite's database (PGlite, or PostgreSQL with DATABASE_URL). No answer may be a 5xx, every error
// is problem+json with a code, no planted private key comes back, and the audit chain verifies afterwards.
// FUZZ_SEED repeats a run (the seed is printed); FUZZ_REQUESTS changes its size (default 2,000).
// `npm run fuzz` (scripts/fuzz.mjs) runs the same generator for as long as asked against a running service.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, DATABASE, startTestApp, type TestApp } from './support/test-app';
import { listenOnLoopback } from './support/raw-http';
import { echoesSecret, loadOperations, plantSecrets, prepareFuzzContext, runFuzz, verifyAudit, type FuzzContext } from '../scripts/lib/fuzz.mjs';

const doc = JSON.parse(readFileSync(join(__dirname, '..', 'openapi', 'openapi.json'), 'utf8'));
const SEED = process.env.FUZZ_SEED ? Number(process.env.FUZZ_SEED) : Math.floor(Math.random() * 2 ** 31);
const REQUESTS = Number(process.env.FUZZ_REQUESTS ?? 2000);

describe(`fuzz from openapi.json on ${DATABASE} (seed ${SEED}, ${REQUESTS} requests)`, () => {
  let t: TestApp;
  let base: string;
  let ctx: FuzzContext;

  beforeAll(async () => {
    // RATE_LIMIT_PER_MINUTE is 0 in tests; the fuzz must not be slowed by it either
    t = await startTestApp();
    base = `http://127.0.0.1:${await listenOnLoopback(t.app.getHttpServer())}`;
    ctx = await prepareFuzzContext(base, ADMIN_TOKEN, { prefix: 'fz' });
  }, 60_000);
  afterAll(async () => {
    await t?.close();
  });

  it('the generator covers every operation of the document, and the echo check finds a planted key', () => {
    const ops = loadOperations(doc);
    expect(ops.length).toBeGreaterThanOrEqual(20);
    const secrets = plantSecrets();
    expect(echoesSecret(`{"url":${JSON.stringify(secrets.values[0])}}`, secrets)).toBe(true);
    expect(echoesSecret(encodeURIComponent(secrets.values[1]), secrets)).toBe(true);
    expect(echoesSecret('{"detail":"[44 characters withheld]"}', secrets)).toBe(false);
  });

  it('no 5xx, every error problem+json, no secret echoed, audit chain intact', async () => {
    console.log(`fuzz: seed ${SEED} (repeat with FUZZ_SEED=${SEED}), ${REQUESTS} requests on ${DATABASE}`);
    const report = await runFuzz(base, doc, ctx, { seed: SEED, count: REQUESTS, concurrency: 4 });
    const seen = new Set(Object.keys(report.histogram));
    console.log(`fuzz: statuses ${JSON.stringify(report.histogram)}; slowest ${report.slowest.slice(0, 3).map((s) => `${s.ms} ms ${s.method} ${s.url.slice(0, 60)} → ${s.status}`).join(' | ')}`);
    expect(report.requests).toBe(REQUESTS);
    expect(report.networkErrors, `seed ${SEED}`).toEqual([]);
    expect(report.serverErrors, `seed ${SEED}`).toEqual([]);
    expect(report.notProblem, `seed ${SEED}`).toEqual([]);
    expect(report.echoes, `seed ${SEED}`).toEqual([]);
    // the run reached the handlers, not only the guards: successes, refusals and not-founds all happened
    for (const status of ['200', '201', '400', '401', '403', '404']) expect(seen.has(status), `status ${status} in ${[...seen]}`).toBe(true);
    const audit = await verifyAudit(base, ADMIN_TOKEN);
    expect(audit.ok).toBe(true);
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
  }, 180_000);
});
