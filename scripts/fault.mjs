#!/usr/bin/env node
// npm run fault: crash and outage checks of the built service (dist/). Prints one PASS/FAIL/SKIP line per check
// on stdout (progress on stderr) and exits 1 when any check fails.
//
//  (a) kill -9 under write load, restart, and every acknowledged write must be there (PGlite by default,
//      PostgreSQL with DATABASE_URL), version numbers 1..N, audit chain ok; FAULT_ROUNDS rounds.
//  (b) PostgreSQL only: two service processes on one database (started together on an empty one), clients on
//      both, kill -9 one of them: the survivor keeps serving, the same data checks, the victim restarts within
//      8 s, and no migration advisory lock is left held or awaited in the database.
//  (c) PostgreSQL only: a private PostgreSQL server (initdb/pg_ctl in a temp dir, own port) is stopped with
//      `pg_ctl stop -m immediate` under load: 503 DATABASE_UNAVAILABLE and /readyz 503 meanwhile, recovery
//      without a service restart once it is back, and the same data checks.
//  (d) webhooks: a subscriber on loopback is down (503) while clients write, the service is killed with kill -9
//      (deliveries due, attempts in flight), the receiver comes back, the service restarts on the same data: every
//      audit event since the subscription must arrive (at least once; duplicates carry the same webhook-id), each
//      signature must verify with the standardwebhooks package.
//
// Environment: DATABASE_URL (PostgreSQL server; a fresh database per check, dropped at the end), FAULT_ROUNDS (3),
// FAULT_WEBHOOK_WAIT_MS (90000: how long (d) waits for every event after the restart),
// FAULT_CLIENTS (8), FAULT_CLUSTERS (6), FAULT_LOAD_MIN_MS / FAULT_LOAD_MAX_MS (load before each kill,
// 1500..4000), FAULT_SEED (the PRNG seed, printed), FAULT_ONLY (e.g. "a" or "b,c"), KEEP_TMP=1, KEEP_DB=1.
import { join } from 'node:path';
import { elapsed, envNumber, freePort, log, requireBuild, sleep, tempDir, waitUntil, runMain } from './lib/common.mjs';
import { plainConfig } from './lib/configs.mjs';
import { client, createKey, expectStatus, request } from './lib/http.mjs';
import { connect, freshDatabase, privatePostgres } from './lib/postgres.mjs';
import { startReceiver } from './lib/receiver.mjs';
import { ADMIN_TOKEN, errorLines, startService } from './lib/service.mjs';
import { verifyState } from './lib/verify.mjs';
import { createLedger, prng, settleUnknown, startLoad } from './lib/workload.mjs';

requireBuild('fault');

const ROUNDS = envNumber('FAULT_ROUNDS', 3, { min: 1, max: 20 });
const CLIENTS = envNumber('FAULT_CLIENTS', 8, { min: 1, max: 64 });
const CLUSTERS = envNumber('FAULT_CLUSTERS', 6, { min: 1, max: 100 });
const LOAD_MIN_MS = envNumber('FAULT_LOAD_MIN_MS', 1500, { min: 100, max: 60_000 });
const LOAD_MAX_MS = envNumber('FAULT_LOAD_MAX_MS', 4000, { min: LOAD_MIN_MS, max: 120_000 });
const SEED = envNumber('FAULT_SEED', Math.floor(Math.random() * 2 ** 31), { min: 0, max: 2 ** 32 });
const WEBHOOK_WAIT_MS = envNumber('FAULT_WEBHOOK_WAIT_MS', 90_000, { min: 1_000, max: 900_000 });
const ONLY = new Set((process.env.FAULT_ONLY || 'a,b,c,d').split(',').map((s) => s.trim()));
const DATABASE_URL = process.env.DATABASE_URL || null;
const DATABASE = DATABASE_URL ? 'postgres' : 'pglite';
const random = prng(SEED);

const outcomes = [];
function report(name, ok, detail = '') {
  outcomes.push(ok);
  process.stdout.write(`${ok ? 'PASS' : 'FAIL'} ${name}${detail ? ` — ${detail}` : ''}\n`);
}
function skip(name, why) {
  process.stdout.write(`SKIP ${name} — ${why}\n`);
}

/** Keys and clusters for a run; returns tokens, actor names and cluster names. */
async function prepare(url) {
  const tokens = {
    submitter: await createKey(url, ADMIN_TOKEN, 'fault-submitter', ['submitter', 'reader']),
    approver: await createKey(url, ADMIN_TOKEN, 'fault-approver', ['approver', 'reader']),
    reader: await createKey(url, ADMIN_TOKEN, 'fault-reader', ['reader']),
  };
  const clusters = [];
  for (let i = 0; i < CLUSTERS; i++) {
    const name = `fault-c${i}`;
    expectStatus(await request(url, 'POST', '/v1/clusters', { token: ADMIN_TOKEN, body: { name, resourceGroup: 'rg-fault' } }), 201, `create ${name}`);
    clusters.push(name);
  }
  return { tokens, actors: { submitter: 'fault-submitter', approver: 'fault-approver' }, clusters };
}

const loadMs = () => Math.round(LOAD_MIN_MS + random() * (LOAD_MAX_MS - LOAD_MIN_MS));
const tally = (ledger) => ({ submits: ledger.submits.length, decisions: ledger.decisions.length });

async function checkData(prefix, url, ctx, ledger, unexpectedFrom) {
  const settle = await settleUnknown(ledger, url);
  report(
    `${prefix}: in-flight writes settled by idempotent retry`,
    settle.problems.length === 0,
    settle.problems.length
      ? settle.problems.slice(0, 3).join('; ')
      : `${settle.settled} unknown (${settle.replayed} had committed and replayed, ${settle.applied} had not and were applied now, ${settle.notPending} no longer pending)`,
  );
  const { checks } = await verifyState({ url, token: ctx.tokens.reader, clusters: ctx.clusters, ledger });
  for (const c of checks) report(`${prefix}: ${c.name}`, c.ok, c.detail);
  const unexpected = ledger.unexpected.slice(unexpectedFrom);
  report(
    `${prefix}: no unexpected answers under load`,
    unexpected.length === 0,
    unexpected.length ? unexpected.slice(0, 3).map((u) => `${u.what}: ${u.status} ${u.text}`).join('; ') : `statuses ${JSON.stringify(ledger.statuses)}`,
  );
}

// (a) ------------------------------------------------------------------------------------------------------------
async function checkKillRestart() {
  const t0 = Date.now();
  const tmp = tempDir('aks-proxy-fault-a-');
  const storage = DATABASE_URL
    ? { databaseUrl: (await freshDatabase(DATABASE_URL, 'fault_a')).url, dataDir: join(tmp, 'data') }
    : { dataDir: join(tmp, 'data') };
  const logFile = join(tmp, 'service.log');
  let svc = await startService({ name: 'service', storage, logFile });
  log(`(a) service up on ${DATABASE} in ${svc.startupMs} ms`);
  const ctx = await prepare(svc.url);
  const ledger = createLedger();
  for (let round = 1; round <= ROUNDS; round++) {
    const prefix = `(a) ${DATABASE} round ${round}/${ROUNDS}`;
    const unexpectedFrom = ledger.unexpected.length;
    const before = tally(ledger);
    const ms = loadMs();
    const load = startLoad({
      clients: CLIENTS, targets: [{ name: 'service', url: svc.url }], runId: `a${round}`, ...ctx, ledger, random,
      onNetworkError: 'stop', deadline: Date.now() + ms + 30_000,
    });
    await sleep(ms);
    await svc.kill9();
    const killedAfter = tally(ledger);
    load.stop();
    await load.done;
    log(`${prefix}: kill -9 after ${ms} ms of load; ${killedAfter.submits - before.submits} submissions and ${killedAfter.decisions - before.decisions} decisions acknowledged this round, ${ledger.unknown.length} in flight`);
    const restartAt = Date.now();
    try {
      svc = await startService({ name: 'service', storage, logFile });
      report(`${prefix}: restart after kill -9`, true, `ready in ${Date.now() - restartAt} ms`);
    } catch (err) {
      report(`${prefix}: restart after kill -9`, false, err.message.split('\n').slice(0, 6).join(' | '));
      return;
    }
    await checkData(prefix, svc.url, ctx, ledger, unexpectedFrom);
  }
  const errors = errorLines(logFile);
  if (errors.length) log(`(a) the service logged ${errors.length} error lines; first: ${errors[0].slice(0, 500)}`);
  await svc.stop();
  log(`(a) done in ${elapsed(t0)}`);
}

// (b) ------------------------------------------------------------------------------------------------------------
/** Advisory locks held or awaited in database `name` (the migrator's is 72707369); [] when none. */
async function advisoryLocks(serverUrl, name) {
  const c = await connect(serverUrl);
  try {
    const { rows } = await c.query(
      `SELECT l.objid, l.granted, a.state, left(a.query, 60) AS query, round(extract(epoch FROM now() - a.query_start)) AS seconds
         FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
        WHERE l.locktype = 'advisory' AND a.datname = $1`,
      [name],
    );
    return rows;
  } finally {
    await c.end();
  }
}

function reportLocks(name, rows) {
  const held = rows.filter((r) => r.granted).length;
  const waiting = rows.length - held;
  report(
    name,
    rows.length === 0,
    rows.length
      ? `${held} held, ${waiting} waiting: ${rows.slice(0, 4).map((r) => `${r.objid} ${r.granted ? 'held' : 'waiting'} by a ${r.state} session (${r.query}, ${r.seconds} s)`).join('; ')}`
      : 'none',
  );
}

async function checkTwoProcesses() {
  const t0 = Date.now();
  const tmp = tempDir('aks-proxy-fault-b-');
  const db = await freshDatabase(DATABASE_URL, 'fault_b');
  const storage = { databaseUrl: db.url, dataDir: join(tmp, 'data') };
  const logs = { A: join(tmp, 'a.log'), B: join(tmp, 'b.log') };
  const svcs = {};
  // Two replicas rolled out at once onto an empty database: both apply (or wait for) the migrations.
  const started = await Promise.allSettled(['A', 'B'].map((n) => startService({ name: `service ${n}`, storage, logFile: logs[n] })));
  const failedStart = started.map((s, i) => (s.status === 'rejected' ? `${'AB'[i]}: ${s.reason.message.split('\n').slice(0, 4).join(' | ')}` : null)).filter(Boolean);
  report('(b) two processes start together on an empty database', failedStart.length === 0, failedStart.join('; ') || 'both ready');
  for (const [i, n] of ['A', 'B'].entries()) {
    svcs[n] = started[i].status === 'fulfilled' ? started[i].value : await startService({ name: `service ${n}`, storage, logFile: logs[n] });
  }
  // Start-up must not leave the migration lock behind: a later replica would wait for it (and keep waiting).
  reportLocks('(b) no advisory (migration) lock held or awaited once both are up', await advisoryLocks(DATABASE_URL, db.name));
  const ctx = await prepare(svcs.A.url);
  const ledger = createLedger();
  const rounds = Math.min(ROUNDS, 2);
  for (let round = 1; round <= rounds; round++) {
    const victim = round % 2 === 1 ? 'A' : 'B';
    const survivor = victim === 'A' ? 'B' : 'A';
    const prefix = `(b) round ${round}/${rounds} (kill -9 ${victim}, ${survivor} survives)`;
    const unexpectedFrom = ledger.unexpected.length;
    const ms = loadMs();
    const load = startLoad({
      clients: CLIENTS, targets: [{ name: 'A', url: svcs.A.url }, { name: 'B', url: svcs.B.url }], runId: `b${round}`, ...ctx, ledger, random,
      onNetworkError: 'stop', deadline: Date.now() + ms + 40_000,
    });
    await sleep(ms);
    await svcs[victim].kill9();
    const killAt = Date.now();
    await sleep(2_500);
    load.stop();
    await load.done;
    const after = ledger.submits.filter((s) => s.target === survivor && s.at > killAt + 200).length
      + ledger.decisions.filter((d) => d.target === survivor && d.at > killAt + 200).length;
    report(`${prefix}: the survivor keeps serving`, after > 0, `${after} writes acknowledged by ${survivor} in the 2.3 s after ${victim} died`);
    await checkData(prefix, svcs[survivor].url, ctx, ledger, unexpectedFrom);
    const restartAt = Date.now();
    svcs[victim] = await startService({ name: `service ${victim}`, storage, logFile: logs[victim] });
    const verifyRes = await request(svcs[victim].url, 'GET', '/v1/audit/verify', { token: ctx.tokens.reader });
    const restartMs = Date.now() - restartAt;
    report(`${prefix}: ${victim} restarts and sees the same audit chain`, verifyRes.status === 200 && verifyRes.body.ok, `ready in ${restartMs} ms, ${JSON.stringify(verifyRes.body)}`);
    report(`${prefix}: ${victim} is ready within 8 s of its restart next to a running peer`, restartMs < 8_000, `${restartMs} ms`);
    reportLocks(`${prefix}: no advisory (migration) lock held or awaited after the restart`, await advisoryLocks(DATABASE_URL, db.name));
  }
  await Promise.all(Object.values(svcs).map((s) => s.stop()));
  log(`(b) done in ${elapsed(t0)}`);
}

// (c) ------------------------------------------------------------------------------------------------------------
async function checkDatabaseOutage() {
  const t0 = Date.now();
  const tmp = tempDir('aks-proxy-fault-c-');
  const pgDir = tempDir('aks-proxy-fault-c-pg-');
  const port = await freePort();
  const server = privatePostgres(pgDir, port);
  server.init();
  server.start();
  log(`(c) private PostgreSQL on 127.0.0.1:${port} (${pgDir})`);
  const admin = await connect(server.url);
  await admin.query('CREATE DATABASE fault');
  await admin.end();
  const storage = { databaseUrl: server.url.replace(/\/postgres$/, '/fault'), dataDir: join(tmp, 'data') };
  const logFile = join(tmp, 'service.log');
  const svc = await startService({ name: 'service', storage, logFile });
  const pid = svc.pid;
  const ctx = await prepare(svc.url);
  const ledger = createLedger();
  const reader = client(svc.url, ctx.tokens.reader);
  const load = startLoad({
    clients: CLIENTS, targets: [{ name: 'service', url: svc.url }], runId: 'c', ...ctx, ledger, random,
    onNetworkError: 'pause', deadline: Date.now() + 120_000,
  });
  await sleep(loadMs());
  const beforeStop = tally(ledger);
  server.stopImmediate();
  const stopAt = Date.now();
  log(`(c) database stopped (immediate) after ${beforeStop.submits} submissions`);
  const statusesAtStop = { ...ledger.statuses };

  // While it is down: answers must be quick 503s with DATABASE_UNAVAILABLE, and /readyz 503.
  await sleep(1_000);
  const probes = [];
  const probeStart = Date.now();
  probes.push(['GET /v1/clusters/fault-c0', await reader.get('/v1/clusters/fault-c0').catch((e) => ({ status: 'network', text: e.message }))]);
  probes.push(['GET /v1/clusters/fault-c0/configs', await reader.get('/v1/clusters/fault-c0/configs').catch((e) => ({ status: 'network', text: e.message }))]);
  const probeBody = { config: plainConfig('c-probe'), reason: 'probe during the outage' };
  const probeKey = 'sub-c-probe';
  const submitProbe = await request(svc.url, 'POST', '/v1/clusters/fault-c1/configs', {
    token: ctx.tokens.submitter, body: probeBody, headers: { 'idempotency-key': probeKey },
  }).catch((e) => ({ status: 'network', text: e.message }));
  probes.push(['POST /v1/clusters/fault-c1/configs', submitProbe]);
  if (submitProbe.status !== 201) {
    ledger.unknown.push({ kind: 'submit', path: '/v1/clusters/fault-c1/configs', body: probeBody, key: probeKey, token: ctx.tokens.submitter, actor: ctx.actors.submitter, target: 'service' });
  } else {
    ledger.submits.push({ cluster: 'fault-c1', version: submitProbe.body.version, contentHash: submitProbe.body.contentHash, key: probeKey, at: Date.now(), target: 'service', actor: ctx.actors.submitter });
  }
  const probeMs = Date.now() - probeStart;
  const bad = probes.filter(([, r]) => r.status !== 503 || r.body?.code !== 'DATABASE_UNAVAILABLE');
  report(
    '(c) requests answer 503 DATABASE_UNAVAILABLE while the database is down',
    bad.length === 0,
    bad.length ? bad.map(([w, r]) => `${w}: ${r.status} ${String(r.text).slice(0, 160)}`).join('; ') : `3 probes in ${probeMs} ms, Retry-After ${probes[0][1].headers?.get?.('retry-after')}`,
  );
  const ready = await request(svc.url, 'GET', '/readyz').catch((e) => ({ status: 'network', text: e.message }));
  report('(c) /readyz answers 503 while the database is down', ready.status === 503, `${ready.status} ${String(ready.text).slice(0, 200)}`);
  await sleep(2_000);
  const during = Object.fromEntries(Object.entries(ledger.statuses).map(([k, v]) => [k, v - (statusesAtStop[k] ?? 0)]).filter(([, v]) => v > 0));
  const slow503 = ledger.unavailable.filter((u) => u.ms > 6_000).length;
  const wrongCode = ledger.unavailable.filter((u) => u.code !== 'DATABASE_UNAVAILABLE').length;
  report(
    '(c) load during the outage gets 503s only (no 500, no hang)',
    !during['500'] && !during.network && slow503 === 0 && wrongCode === 0,
    `answers while down: ${JSON.stringify(during)}; 503s slower than 6 s: ${slow503}; 503 without DATABASE_UNAVAILABLE: ${wrongCode}; slowest answer ${ledger.maxLatencyMs} ms`,
  );

  server.start();
  const startAt = Date.now();
  log(`(c) database started again after ${startAt - stopAt} ms down`);
  const recovered = await waitUntil(
    async () => {
      const r = await request(svc.url, 'GET', '/readyz', { timeoutMs: 5_000 });
      if (r.status !== 200) return false;
      const g = await reader.get('/v1/clusters/fault-c0', { timeoutMs: 5_000 });
      return g.status === 200;
    },
    { timeoutMs: 60_000, intervalMs: 200 },
  );
  const recoverMs = Date.now() - startAt;
  const ackedAtRecovery = tally(ledger);
  await sleep(2_000);
  const after = tally(ledger);
  report(
    '(c) recovers without a restart once the database is back',
    Boolean(recovered) && svc.alive && svc.pid === pid && after.submits > ackedAtRecovery.submits,
    `readyz 200 and reads OK ${recoverMs} ms after the database started; same pid ${svc.alive ? pid : '(gone)'}; ${after.submits - ackedAtRecovery.submits} submissions acknowledged in the 2 s after`,
  );
  load.stop();
  await load.done;
  await checkData('(c) after the outage', svc.url, ctx, ledger, 0);
  const errors = errorLines(logFile);
  if (errors.length) log(`(c) the service logged ${errors.length} error lines; first: ${errors[0].slice(0, 500)}`);
  await svc.stop();
  log(`(c) done in ${elapsed(t0)}`);
}

// (d) ------------------------------------------------------------------------------------------------------------
async function checkWebhooksKill() {
  const t0 = Date.now();
  const tmp = tempDir('aks-proxy-fault-d-');
  const storage = DATABASE_URL
    ? { databaseUrl: (await freshDatabase(DATABASE_URL, 'fault_d')).url, dataDir: join(tmp, 'data') }
    : { dataDir: join(tmp, 'data') };
  const logFile = join(tmp, 'service.log');
  // No WEBHOOK_SECRET_KEY: the key generated into DATA_DIR must survive the kill too.
  const env = { WEBHOOK_ALLOW_PRIVATE: 'true', WEBHOOK_BACKOFF_BASE_MS: '200', WEBHOOK_TIMEOUT_MS: '1000', WEBHOOK_POLL_MS: '500' };
  const receiver = await startReceiver({ answer: 503 }); // down
  let svc = await startService({ name: 'service', storage, logFile, env });
  const ctx = await prepare(svc.url);
  const hook = expectStatus(await request(svc.url, 'POST', '/v1/webhooks', { token: ADMIN_TOKEN, body: { url: receiver.url, events: ['*'] } }), 201, 'create webhook');
  receiver.secret = hook.body.secret;
  const ledger = createLedger();
  const ms = loadMs();
  const load = startLoad({
    clients: CLIENTS, targets: [{ name: 'service', url: svc.url }], runId: 'd', ...ctx, ledger, random,
    onNetworkError: 'stop', deadline: Date.now() + ms + 30_000,
  });
  await sleep(ms);
  const refused = receiver.received.length;
  await svc.kill9();
  load.stop();
  await load.done;
  log(`(d) kill -9 after ${ms} ms of load with the receiver down: ${ledger.submits.length} submissions and ${ledger.decisions.length} decisions acknowledged, ${refused} attempts refused so far`);
  receiver.answer = 200; // back
  try {
    svc = await startService({ name: 'service', storage, logFile, env });
    report('(d) restart after kill -9 with deliveries due', true);
  } catch (err) {
    report('(d) restart after kill -9 with deliveries due', false, err.message.split('\n').slice(0, 6).join(' | '));
    await receiver.close();
    return;
  }
  const api = client(svc.url, ADMIN_TOKEN);
  const events = [];
  for (let cursor = null; ;) {
    const page = expectStatus(await api.get(`/v1/audit?limit=200${cursor ? `&cursor=${cursor}` : ''}`), 200, 'audit');
    events.push(...page.body.items);
    cursor = page.body.nextCursor;
    if (!cursor) break;
  }
  const since = events.find((e) => e.action === 'webhook.created')?.seq ?? Infinity;
  const expected = events.filter((e) => e.seq > since).map((e) => `evt_${e.seq}`); // not its own creation
  const missing = () => expected.filter((id) => !receiver.delivered.has(id));
  const arrived = await waitUntil(async () => missing().length === 0, { timeoutMs: WEBHOOK_WAIT_MS, intervalMs: 200 }).catch(() => false);
  const left = missing();
  report(
    `(d) ${DATABASE}: every event since the subscription delivered after kill -9 and restart`,
    Boolean(arrived) && left.length === 0,
    left.length ? `${left.length} of ${expected.length} missing after ${WEBHOOK_WAIT_MS} ms, e.g. ${left.slice(0, 5).join(', ')}` : `${expected.length} events, ${receiver.received.length} requests in all`,
  );
  const ids = receiver.received.filter((r) => r.status === 200).map((r) => r.id);
  report('(d) every delivery signed (standardwebhooks verifies it)', receiver.badSignatures === 0, `${receiver.badSignatures} bad of ${receiver.received.length}`);
  report('(d) no event id outside the audit trail', ids.every((id) => expected.includes(id)), `${new Set(ids).size} distinct ids delivered, ${ids.length - new Set(ids).size} duplicates (same webhook-id)`);
  const errors = errorLines(logFile);
  if (errors.length) log(`(d) the service logged ${errors.length} error lines; first: ${errors[0].slice(0, 500)}`);
  await svc.stop();
  await receiver.close();
  log(`(d) done in ${elapsed(t0)}`);
}

async function main() {
  const t0 = Date.now();
  process.stdout.write(`fault checks on ${DATABASE}: seed ${SEED}, ${ROUNDS} rounds, ${CLIENTS} clients, ${CLUSTERS} clusters, load ${LOAD_MIN_MS}-${LOAD_MAX_MS} ms before each kill\n`);
  const steps = [
    ['a', '(a) kill -9 and restart', checkKillRestart, null],
    ['b', '(b) two processes, kill -9 one', checkTwoProcesses, DATABASE_URL ? null : 'needs PostgreSQL (DATABASE_URL); PGlite allows one process per data directory'],
    ['c', '(c) database outage and recovery', checkDatabaseOutage, DATABASE_URL ? null : 'needs PostgreSQL (DATABASE_URL)'],
    ['d', '(d) webhooks: kill -9 with deliveries due', checkWebhooksKill, null],
  ];
  for (const [id, name, fn, skipWhy] of steps) {
    if (!ONLY.has(id)) continue;
    if (skipWhy) {
      skip(name, skipWhy);
      continue;
    }
    const t = Date.now();
    try {
      await fn();
    } catch (err) {
      report(`${name}: ran to the end`, false, String(err?.stack ?? err).split('\n').slice(0, 8).join(' | '));
    }
    log(`${name} took ${elapsed(t)}`);
  }
  const failed = outcomes.filter((ok) => !ok).length;
  process.stdout.write(`${failed ? 'FAIL' : 'PASS'} fault checks: ${outcomes.length - failed} passed, ${failed} failed (${elapsed(t0)})\n`);
  return failed ? 1 : 0;
}

runMain('fault', main);
