#!/usr/bin/env node
// npm run bench: throughput, latency and memory of the built service (dist/) under autocannon, scenario by
// scenario, next to a bare Node http server as the baseline. Prints one header line and one JSON line per
// scenario on stdout; progress on stderr.
//
//   PGlite (default): a fresh temp DATA_DIR.     PostgreSQL: DATABASE_URL=postgresql://... (a fresh database is
//   created on that server and dropped at the end).
//
// Scenarios: baseline (bare node), healthz, validate-plain, validate-big (20 certificates + 500 noProxy entries),
// submit (a distinct config per request, each on the next of BENCH_POOL_CLUSTERS seeded clusters), decide (approves
// the pending version each submission left, one cluster per request), get-current, diff (big v2 against big v1),
// render (cli), history (?limit=50 on a cluster with BENCH_HISTORY_VERSIONS versions) and history-deep (the same
// page at a cursor half-way down), audit (the first page of /v1/audit) and audit-deep (a filtered page half-way down
// BENCH_HISTORY_VERSIONS seeded audit events), then submit-0-webhooks and submit-3-webhooks (the submit workload
// again, without and then with three "*" subscriptions (cloudevents, slack, teams) to a receiver on loopback: the
// extra cost of the outbox rows in the submission's transaction) and webhook-latency (not autocannon: from each
// event's time to its CloudEvent's arrival at the receiver, p50/p99, over the deliveries of submit-3-webhooks).
// auth-key and auth-oidc: the same small read, GET /v1/clusters/bench-get, with a reader API key, then with an OIDC
// access token checked against the cached JWKS of a static loopback issuer (the cost of a token check per request
// next to a key's). The history rows and pool clusters are inserted with SQL while the service is
// stopped (PGlite cannot be shared), then the service restarts on them.
//
// Also: validate-floor (the validate-plain body validated by the same engine, dist/domain, on a bare Node server: what
// validating costs with no framework, authentication or headers; the most any service could reach here), get-version (version N), get-cluster, get-current-304 (If-None-Match with the current ETag: 304 from the
// read cache), submit-32 and decide-32 (like submit and decide with BENCH_WRITE_CONNECTIONS connections, default 32,
// across BENCH_POOL_CLUSTERS other seeded clusters), and on PostgreSQL notify-delay (a second service process on the
// same database: the time from a write acknowledged by one process until the other one answers with it; p50/p99 of
// BENCH_NOTIFY_SAMPLES writes). Each line carries the service's event-loop delay during the scenario (max and p99
// of perf_hooks.monitorEventLoopDelay inside the service, read from /metrics before and after: prom-client resets
// it at each scrape), its peak RSS and its V8 heap (used, reserved) and external memory at the end; audit-verify (not
// autocannon: one full GET /v1/audit/verify) carries the same for that one request; the last line sums up the peak
// RSS over the whole run, and the kernel's high-water mark of the measured service's RSS (VmHWM).
// BENCH_CPU_PROF=dir runs the measured service with --cpu-prof (the profile is written to dir when it stops; see
// scripts/cpu-profile-summary.mjs).
//
// Environment: BENCH_SECONDS (per scenario, default 8), BENCH_CONNECTIONS (default 10), BENCH_WARMUP_SECONDS
// (default 1), BENCH_HISTORY_VERSIONS (default 100000), BENCH_POOL_CLUSTERS (clusters for submit/decide),
// BENCH_ONLY (comma-separated scenario names), BENCH_LOG_LEVEL (the service's LOG_LEVEL, default info),
// KEEP_TMP=1 / KEEP_DB=1 to keep the temp dir / database for a post-mortem.
//
// The service runs as a child process (node dist/main.js); autocannon runs here, in another process. Each
// scenario's peak RSS is the highest VmRSS of the service process sampled every 50 ms while it ran; cpuMsPerRequest
// is the service's CPU time (/proc, all threads, 10 ms ticks) over the requests answered: load-independent, unlike req/s.
//
// Where a request's CPU goes, per scenario line (ms per request): cpuMsPerRequest (the service), pgMsPerRequest (on
// PostgreSQL running on this machine: the server processes of the bench's database, i.e. the service's connections'
// backends and autovacuum workers, found in pg_stat_activity by a separate connection to DATABASE_URL's database and
// read from /proc/<pid>/stat when the scenario starts, every 200 ms and at its end; a backend that exits keeps its
// last sample, one that starts counts from zero; pgListenerMsPerRequest is the part of it spent by the service's
// LISTEN connection's backend relaying NOTIFYs), pgSharedMsPerRequest (the server-wide WAL writer, background writer,
// checkpointer...: shared with any other database's load), clientMsPerRequest (this process, autocannon included:
// process.cpuUsage()) and totalMsPerRequest, their sum. ceilingRps = cores × 1000 / totalMsPerRequest is the rate the
// machine's CPU allows when nothing else runs; serviceCeilingRps = 1000 / cpuMsPerRequest is the one the service's
// single JavaScript thread allows; the lower bounds the scenario. coresUsed (total CPU / wall time) tells whether
// the scenario saturated the machine (near `cores`: rps should then be near ceilingRps); machineBusyPct and
// machineMsPerRequest (/proc/stat, everyone's processes and the kernel) show what else ran meanwhile: when
// machineMsPerRequest is well above totalMsPerRequest, other load shared the cores and rps says little.
// PGlite runs inside the service: its pg* fields are null.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { ROOT, cpuModel, elapsed, envNumber, freePort, log, onCleanup, requireBuild, tempDir, waitUntil, runMain } from './lib/common.mjs';
import { caBundle } from './lib/certificates.mjs';
import { bigConfig, noProxyEntries, plainConfig } from './lib/configs.mjs';
import { client, createKey, expectStatus } from './lib/http.mjs';
import { connect, freshDatabase, serverVersion } from './lib/postgres.mjs';
import { openPglite, pgRunner, seedAudit, seedClusters, seedHistory } from './lib/seed.mjs';
import { BENCH_AUDIENCE, startStaticIssuer } from './lib/oidc-issuer.mjs';
import { startReceiver } from './lib/receiver.mjs';
import { ADMIN_TOKEN, errorLines, rssMb, rssSampler, startService } from './lib/service.mjs';
import { machineCpu, pgCpuWatcher } from './lib/cpu.mjs';

requireBuild('bench');

const SECONDS = envNumber('BENCH_SECONDS', 8, { min: 1, max: 600 });
const CONNECTIONS = envNumber('BENCH_CONNECTIONS', 10, { min: 1, max: 1000 });
const WARMUP = envNumber('BENCH_WARMUP_SECONDS', 1, { min: 0, max: 60 });
const HISTORY_VERSIONS = envNumber('BENCH_HISTORY_VERSIONS', 100_000, { min: 1, max: 5_000_000 });
const POOL = envNumber('BENCH_POOL_CLUSTERS', Math.max(3_000, 500 * SECONDS), { min: 10, max: 1_000_000 });
const ONLY = process.env.BENCH_ONLY ? new Set(process.env.BENCH_ONLY.split(',').map((s) => s.trim())) : null;
const LOG_LEVEL = process.env.BENCH_LOG_LEVEL || 'info';
const WRITE_CONNECTIONS = envNumber('BENCH_WRITE_CONNECTIONS', 32, { min: 1, max: 1000 });
const NOTIFY_SAMPLES = envNumber('BENCH_NOTIFY_SAMPLES', 200, { min: 1, max: 100_000 });
const CPU_PROF = process.env.BENCH_CPU_PROF || null;
// Extra node flags for the measured service (e.g. V8 heap flags, to see what they do to its memory).
const NODE_ARGS = (process.env.BENCH_NODE_ARGS ?? '').split(' ').filter(Boolean);
const DATABASE_URL = process.env.DATABASE_URL || null;
const DATABASE = DATABASE_URL ? 'postgres' : 'pglite';

const wanted = (name) => !ONLY || ONLY.has(name);
const round = (n, digits = 2) => (n === null || n === undefined || Number.isNaN(n) ? null : Math.round(n * 10 ** digits) / 10 ** digits);

async function main() {
  const t0 = Date.now();
  const tmp = tempDir('aks-proxy-bench-');
  const logFile = join(tmp, 'service.log');

  log('making a 20-certificate CA bundle with openssl');
  const bundle = caBundle(20);
  const big = bigConfig(bundle.base64);
  // v2 of the diff cluster: two certificates fewer, 50 noProxy entries replaced, another HTTPS proxy port.
  const bigV2 = {
    ...bigConfig(Buffer.from(bundle.pems.slice(0, 18).join('')).toString('base64')),
    noProxy: [...big.noProxy.slice(50), ...noProxyEntries(50, 'v2')],
    httpsProxy: 'http://proxy.corp.example:3130',
  };

  let storage;
  let dbServer = null;
  let benchDbName = null;
  if (DATABASE_URL) {
    dbServer = await serverVersion(DATABASE_URL);
    const db = await freshDatabase(DATABASE_URL, 'bench');
    benchDbName = db.name;
    log(`fresh database ${db.name}`);
    storage = { databaseUrl: db.url, dataDir: join(tmp, 'data') };
  } else {
    storage = { dataDir: join(tmp, 'data') };
  }
  // Webhook receivers of the webhook scenarios listen on loopback. A static OIDC issuer on loopback (discovery + JWKS)
  // for auth-oidc; the service caches its keys (OIDC_JWKS_MAX_AGE_S default).
  const oidcIssuer = await startStaticIssuer();
  onCleanup(() => oidcIssuer.close());
  const env = { LOG_LEVEL: LOG_LEVEL, WEBHOOK_ALLOW_PRIVATE: 'true', OIDC_ISSUER: oidcIssuer.issuer, OIDC_AUDIENCE: BENCH_AUDIENCE };

  // 1. First start: migrations, keys and the clusters the scenarios read.
  log(`starting the service (${DATABASE}) for set-up`);
  let svc = await startService({ name: 'service', storage, logFile, env });
  const coldStartMs = svc.startupMs;
  const admin = client(svc.url, ADMIN_TOKEN);
  const tokens = {
    submitter: await createKey(svc.url, ADMIN_TOKEN, 'bench-submitter', ['submitter', 'reader']),
    approver: await createKey(svc.url, ADMIN_TOKEN, 'bench-approver', ['approver', 'reader']),
    reader: await createKey(svc.url, ADMIN_TOKEN, 'bench-reader', ['reader']),
  };
  const sub = client(svc.url, tokens.submitter);
  const appr = client(svc.url, tokens.approver);
  for (const name of ['bench-history', 'bench-get', 'bench-diff']) {
    expectStatus(await admin.post('/v1/clusters', { name, resourceGroup: 'rg-bench' }), 201, `create ${name}`);
  }
  expectStatus(await sub.post('/v1/clusters/bench-get/configs', { config: plainConfig(), reason: 'bench' }), 201, 'submit bench-get v1');
  expectStatus(await appr.post('/v1/clusters/bench-get/configs/1/decisions', { decision: 'approve', comment: 'ok' }), 201, 'approve bench-get v1');
  expectStatus(await sub.post('/v1/clusters/bench-diff/configs', { config: big, reason: 'bench v1' }), 201, 'submit bench-diff v1');
  expectStatus(await appr.post('/v1/clusters/bench-diff/configs/1/decisions', { decision: 'approve', comment: 'ok' }), 201, 'approve bench-diff v1');
  expectStatus(await sub.post('/v1/clusters/bench-diff/configs', { config: bigV2, reason: 'bench v2' }), 201, 'submit bench-diff v2');
  const sample = expectStatus(await admin.get('/v1/clusters/bench-get/configs/1'), 200, 'get sample').body;
  await svc.stop();

  // 2. Seed straight into the database while no service holds it.
  const seedStart = Date.now();
  log(`seeding ${HISTORY_VERSIONS} versions of bench-history and ${POOL} pool clusters`);
  const db = DATABASE_URL ? pgRunner(await connect(storage.databaseUrl)) : await openPglite(storage.dataDir);
  let auditSeeded;
  try {
    await seedHistory(db, 'bench-history', HISTORY_VERSIONS, sample);
    auditSeeded = await seedAudit(db, 'bench-history', HISTORY_VERSIONS);
    await seedClusters(db, 'bench-pool-', POOL);
    if (wanted('submit-32') || wanted('decide-32')) await seedClusters(db, 'bench-pool32-', POOL);
    // Leave the tables as autovacuum would once it has seen the bulk insert (visibility map, statistics): otherwise its
    // first pass over the seeded 100,000-row tables comes within a minute of the restart, at no set time, and when it
    // falls on the write scenarios PostgreSQL's CPU per write doubles (seen in full runs: 1.0 -> 2.1-2.7 ms).
    await db.query('VACUUM (ANALYZE)');
  } finally {
    await db.close();
  }
  const seedMs = Date.now() - seedStart;
  log(`seeded in ${seedMs} ms`);

  // 3. Restart on the seeded data.
  const nodeArgs = [...(CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${CPU_PROF}`] : []), ...NODE_ARGS];
  svc = await startService({ name: 'service', storage, logFile, env, nodeArgs });
  const warmStartMs = svc.startupMs;
  const pool = Array.from({ length: POOL }, (_, i) => `bench-pool-${i}`);
  const pool32 = Array.from({ length: POOL }, (_, i) => `bench-pool32-${i}`);

  const cpu = cpuModel();
  // The PostgreSQL server processes serving the bench's database, when the server runs on this machine.
  const pgCpu = DATABASE_URL ? await pgCpuWatcher(DATABASE_URL, benchDbName) : null;
  if (pgCpu) onCleanup(() => pgCpu.close());
  if (pgCpu && !pgCpu.local) log('PostgreSQL does not run on this machine: no PostgreSQL CPU per request');
  const header = {
    header: true,
    node: process.version,
    cpu: cpu.model,
    cores: cpu.cores,
    database: DATABASE,
    databaseServer: dbServer,
    secondsPerScenario: SECONDS,
    connections: CONNECTIONS,
    writeConnections: WRITE_CONNECTIONS,
    historyVersions: HISTORY_VERSIONS,
    postgresCpuMeasured: pgCpu ? pgCpu.local : null,
    serviceLogLevel: LOG_LEVEL,
    serviceNodeArgs: NODE_ARGS,
    coldStartMs,
    seedMs,
    warmStartMs,
  };
  process.stdout.write(`${JSON.stringify(header)}\n`);

  const lines = [];
  let baselineRps = null;
  let runPeakRssMb = 0;

  /** The service's event-loop delay since the last scrape (prom-client resets its monitorEventLoopDelay at each). */
  async function eventLoop(url) {
    try {
      const text = await (await fetch(`${url}/metrics`)).text();
      const pick = (name) => {
        const m = text.match(new RegExp(`^\\w*${name} ([0-9.e+-]+)$`, 'm'));
        return m ? round(Number(m[1]) * 1000, 1) : null;
      };
      const mb = (name) => {
        const m = text.match(new RegExp(`^\\w*${name} ([0-9.e+-]+)$`, 'm'));
        return m ? round(Number(m[1]) / 2 ** 20, 1) : null;
      };
      return {
        maxMs: pick('eventloop_lag_max_seconds'),
        p99Ms: pick('eventloop_lag_p99_seconds'),
        // at the end of the scenario: V8's heap (used and reserved) and memory outside it (Buffers, strings' backing)
        heapUsedMb: mb('nodejs_heap_size_used_bytes'),
        heapTotalMb: mb('nodejs_heap_size_total_bytes'),
        externalMb: mb('nodejs_external_memory_bytes'),
        // V8's reserved size per heap space (old generation, young generation, large objects, code)
        heapSpacesMb: Object.fromEntries(
          [['old', 'old'], ['new', 'new'], ['large', 'large_object'], ['code', 'code']].map(([key, space]) => {
            const m = text.match(new RegExp(`^\\w*nodejs_heap_space_size_total_bytes\\{space="${space}"\\} ([0-9.e+-]+)$`, 'm'));
            return [key, m ? round(Number(m[1]) / 2 ** 20, 1) : null];
          }),
        ),
      };
    } catch {
      return { maxMs: null, p99Ms: null, heapUsedMb: null, heapTotalMb: null, externalMb: null, heapSpacesMb: null };
    }
  }

  /** One autocannon run against `url` while sampling `pid`'s RSS; prints and returns the scenario line. */
  async function scenario(name, { url, pid, opts, warmup = true, preflight, okStatus, bare = false }) {
    if (!wanted(name) && name !== 'baseline') return null;
    if (preflight) await preflight();
    const base = { url, connections: CONNECTIONS, timeout: 30, ...opts };
    if (warmup && WARMUP > 0) await autocannon({ ...base, duration: WARMUP, amount: undefined });
    // A bare server (baseline, validate-floor) has no /metrics and no database.
    const measured = !bare;
    if (measured) await eventLoop(svc.url); // resets the histogram
    const pgOn = measured && pgCpu?.local;
    if (pgOn) await pgCpu.begin();
    const machineStart = machineCpu();
    const clientStart = process.cpuUsage();
    const sampler = rssSampler(pid);
    // A run of `amount` requests ends at autocannon's next sample tick after its last response (sampleInt, 1 s by
    // default), and its duration with it: decide's 3,000 approvals done in 4.2 s counted as 5.01 s. Ticks every 20 ms
    // keep that error under 20 ms.
    const result = await autocannon(base.amount ? { ...base, sampleInt: 20 } : { ...base, duration: SECONDS });
    const peakRssMb = sampler.stop();
    const clientUsage = process.cpuUsage(clientStart);
    const machineEnd = machineCpu();
    const pgUsed = pgOn ? await pgCpu.end() : { backendsMs: null, listenerMs: null, sharedMs: null };
    const loop = measured ? await eventLoop(svc.url) : {};
    if (measured && peakRssMb > runPeakRssMb) runPeakRssMb = peakRssMb;
    log(`${name}: service process used ${sampler.cpuPercent()}% of one core; ${result.requests.total} requests in ${result.duration} s`);
    const rps = result.duration > 0 ? result.requests.total / result.duration : 0;
    if (name === 'baseline') baselineRps = rps;
    const n = result.requests.total;
    const perRequest = (ms) => (ms === null || ms === undefined || n === 0 ? null : round(ms / n, 3));
    const serviceMs = sampler.cpuSeconds() === null ? null : sampler.cpuSeconds() * 1000;
    const clientMs = (clientUsage.user + clientUsage.system) / 1000;
    // Every process a request needs on this machine: service + PostgreSQL (its database's backends and the shared
    // WAL writer, background writer, checkpointer) + this client; cores × 1000 / that is the throughput the CPU allows.
    const totalMs = serviceMs === null ? null : serviceMs + (pgUsed.backendsMs ?? 0) + (pgUsed.sharedMs ?? 0) + clientMs;
    const machineBusyMs = machineStart && machineEnd ? machineEnd.busyMs - machineStart.busyMs : null;
    const machineAllMs = machineStart && machineEnd ? machineEnd.totalMs - machineStart.totalMs : null;
    const line = {
      scenario: name,
      database: bare ? 'none' : DATABASE,
      rps: round(rps, 1),
      p50Ms: round(result.latency.p50),
      p99Ms: round(result.latency.p99),
      // The service's CPU time (all its threads) per request: what a request costs whatever the machine's load.
      cpuMsPerRequest: perRequest(serviceMs),
      pgMsPerRequest: perRequest(pgUsed.backendsMs),
      pgListenerMsPerRequest: perRequest(pgUsed.listenerMs),
      pgSharedMsPerRequest: perRequest(pgUsed.sharedMs),
      clientMsPerRequest: perRequest(clientMs),
      totalMsPerRequest: perRequest(totalMs),
      ceilingRps: totalMs && n > 0 ? round((cpu.cores * 1000) / (totalMs / n), 1) : null,
      // The service's JavaScript runs on one thread: it alone cannot answer more than 1000 / its ms per request.
      serviceCeilingRps: serviceMs && n > 0 ? round(1000 / (serviceMs / n), 1) : null,
      // Cores those processes kept busy meanwhile: near `cores` when they alone saturated the machine (rps ≈ ceiling).
      coresUsed: totalMs !== null && result.duration > 0 ? round(totalMs / 1000 / result.duration, 2) : null,
      // The whole machine meanwhile (anyone's processes and the kernel's): how busy, and its busy time per request.
      machineBusyPct: machineAllMs ? round((100 * machineBusyMs) / machineAllMs, 1) : null,
      machineMsPerRequest: perRequest(machineBusyMs),
      peakRssMb,
      // the peak sample's anonymous (V8 heaps, malloc, stacks) and file-backed (node binary, libraries) parts
      peakRss: measured ? sampler.atPeak() : null,
      eventLoopMaxMs: loop.maxMs ?? null,
      eventLoopP99Ms: loop.p99Ms ?? null,
      heapUsedMb: loop.heapUsedMb ?? null,
      heapTotalMb: loop.heapTotalMb ?? null,
      externalMb: loop.externalMb ?? null,
      heapSpacesMb: loop.heapSpacesMb ?? null,
      connections: base.connections,
      ratioToBaseline: baselineRps ? round(rps / baselineRps, 4) : null,
      errors: result.errors,
      // okStatus: the one status the scenario expects (e.g. 304); anything else counts as a bad answer.
      non2xx: okStatus
        ? Object.entries(result.statusCodeStats ?? {}).filter(([code]) => Number(code) !== okStatus).reduce((n, [, v]) => n + v.count, 0)
        : result.non2xx,
    };
    if (line.non2xx || result.errors) {
      log(`${name}: status codes ${JSON.stringify(result.statusCodeStats)}, errors ${result.errors}, timeouts ${result.timeouts}`);
    }
    process.stdout.write(`${JSON.stringify(line)}\n`);
    lines.push(line);
    return { line, result };
  }

  const json = { 'content-type': 'application/json' };
  const auth = (token) => ({ authorization: `Bearer ${token}` });
  const expect200 = (path, check) => async () => {
    const res = expectStatus(await client(svc.url, tokens.reader).get(path), 200, `preflight GET ${path}`);
    if (check) check(res);
  };

  /** Runs `run(url, pid)` against a bare Node server (scripts/lib/bare-server.mjs), a child process like the service. */
  async function onBareServer(args, run) {
    const port = await freePort();
    const child = spawn(process.execPath, [join(ROOT, 'scripts/lib/bare-server.mjs'), String(port), ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
    onCleanup(() => child.kill('SIGKILL'));
    const up = await waitUntil(async () => (await fetch(`http://127.0.0.1:${port}/`)).status === 200, { timeoutMs: 10_000 });
    if (!up) throw new Error('the bare server did not start');
    await run(`http://127.0.0.1:${port}/`, child.pid);
    child.kill('SIGTERM');
  }

  // Baseline: the bare Node server.
  await onBareServer([], (url, pid) => scenario('baseline', { url, pid, opts: {}, bare: true }));

  const on = (path) => `${svc.url}${path}`;
  await scenario('healthz', { url: on('/healthz'), pid: svc.pid, opts: {} });

  const validateBody = (config) => ({ method: 'POST', headers: { ...json, ...auth(tokens.reader) }, body: JSON.stringify(config) });
  const validOnly = (config) => async () => {
    const res = expectStatus(await client(svc.url, tokens.reader).post('/v1/validate', config), 200, 'preflight validate');
    if (!res.body.valid) throw new Error(`the bench config is not valid: ${JSON.stringify(res.body.findings.filter((f) => f.severity === 'error'))}`);
  };
  await scenario('validate-plain', { url: on('/v1/validate'), pid: svc.pid, opts: validateBody(plainConfig()), preflight: validOnly(plainConfig()) });
  // The same body validated by the same engine on a bare Node server: the most any service could do with it here.
  if (wanted('validate-floor')) {
    await onBareServer(['validate'], (url, pid) =>
      scenario('validate-floor', {
        url,
        pid,
        opts: { method: 'POST', headers: json, body: JSON.stringify(plainConfig()) },
        bare: true,
        preflight: async () => {
          const floor = await (await fetch(url, { method: 'POST', headers: json, body: JSON.stringify(plainConfig()) })).text();
          const service = expectStatus(await client(svc.url, tokens.reader).post('/v1/validate', plainConfig()), 200, 'preflight validate').text;
          if (floor !== service) throw new Error(`the bare engine answers otherwise than the service:\n${floor}\n${service}`);
        },
      }),
    );
  }
  await scenario('validate-big', {
    url: on('/v1/validate'),
    pid: svc.pid,
    opts: validateBody(big),
    preflight: async () => {
      await validOnly(big)();
      const res = await client(svc.url, tokens.reader).post('/v1/validate', big);
      if (res.body.certificates.length !== 20) throw new Error(`expected 20 certificates, the service saw ${res.body.certificates.length}`);
      log(`validate-big: request ${Buffer.byteLength(JSON.stringify(big))} bytes, response ${res.text.length} bytes`);
    },
  });

  // submit: every request a distinct config on the next pool cluster, so each one creates a version.
  /**
   * submit then decide on `clusters`, with `connections` connections: every submission a distinct config (prefix
   * `tag`) on the next cluster, so each one creates a version; then one approval per pending version the submissions
   * left (when submit was not selected, `fallbackPending` versions are submitted first, unmeasured).
   */
  async function writeScenarios({ submitName, decideName, clusters, connections, tag, fallbackPending }) {
    let submitted = 0;
    const submitRequest = (reason) => ({
      method: 'POST',
      setupRequest: (req) => {
        const i = submitted++;
        req.path = `/v1/clusters/${clusters[i % POOL]}/configs`;
        req.body = JSON.stringify(reason ? { config: plainConfig(`${tag}${i}`), reason: `bench submit ${i}`, changeTicket: `CHG${i}` } : { config: plainConfig(`${tag}${i}`), reason: 'bench' });
        return req;
      },
    });
    const submitRun = await scenario(submitName, {
      url: on('/'),
      pid: svc.pid,
      opts: { connections, headers: { ...json, ...auth(tokens.submitter) }, requests: [submitRequest(true)] },
    });
    if (!wanted(decideName)) return;
    let pending = Math.min(submitted, POOL);
    if (!submitRun) {
      pending = Math.min(POOL, fallbackPending);
      log(`submitting ${pending} versions for the ${decideName} scenario`);
      await autocannon({ url: on('/'), connections, amount: pending, headers: { ...json, ...auth(tokens.submitter) }, requests: [submitRequest(false)] });
    }
    let decided = 0;
    log(`${decideName}: ${pending} pending versions to approve`);
    await scenario(decideName, {
      url: on('/'),
      pid: svc.pid,
      warmup: false,
      opts: {
        connections,
        amount: pending,
        headers: { ...json, ...auth(tokens.approver) },
        requests: [
          {
            method: 'POST',
            setupRequest: (req) => {
              const i = Math.min(decided++, pending - 1);
              req.path = `/v1/clusters/${clusters[i]}/configs/latest/decisions`;
              req.body = JSON.stringify({ decision: 'approve', comment: 'bench' });
              return req;
            },
          },
        ],
      },
    });
  }

  // submit / decide with CONNECTIONS connections on the first pool of clusters; submit-32 / decide-32: the same
  // writes with WRITE_CONNECTIONS connections across the second pool.
  await writeScenarios({ submitName: 'submit', decideName: 'decide', clusters: pool, connections: CONNECTIONS, tag: 's', fallbackPending: 150 * SECONDS });
  await writeScenarios({ submitName: 'submit-32', decideName: 'decide-32', clusters: pool32, connections: WRITE_CONNECTIONS, tag: 't', fallbackPending: 600 * SECONDS });

  const readerGet = { headers: auth(tokens.reader) };

  // Authentication: one cheap read with a key, then with an OIDC token (JWKS cached after the preflight).
  const oidcToken = await oidcIssuer.token('bench-reader@contoso.com', ['reader']);
  const authPreflight = (token) => async () => {
    const res = expectStatus(await client(svc.url, token).get('/v1/clusters/bench-get'), 200, 'preflight auth');
    if (res.body.name !== 'bench-get') throw new Error(`auth preflight: unexpected body ${res.text.slice(0, 200)}`);
  };
  await scenario('auth-key', { url: on('/v1/clusters/bench-get'), pid: svc.pid, opts: readerGet, preflight: authPreflight(tokens.reader) });
  await scenario('auth-oidc', {
    url: on('/v1/clusters/bench-get'),
    pid: svc.pid,
    opts: { headers: auth(oidcToken) },
    preflight: authPreflight(oidcToken),
  });
  if (wanted('auth-oidc')) log(`auth-oidc: the issuer served discovery ${oidcIssuer.counts.discovery}x and the JWKS ${oidcIssuer.counts.jwks}x`);

  await scenario('get-current', {
    url: on('/v1/clusters/bench-get/configs/current'),
    pid: svc.pid,
    opts: readerGet,
    preflight: expect200('/v1/clusters/bench-get/configs/current'),
  });
  await scenario('get-version', {
    url: on('/v1/clusters/bench-get/configs/1'),
    pid: svc.pid,
    opts: readerGet,
    preflight: expect200('/v1/clusters/bench-get/configs/1'),
  });
  await scenario('get-cluster', {
    url: on('/v1/clusters/bench-get'),
    pid: svc.pid,
    opts: readerGet,
    preflight: expect200('/v1/clusters/bench-get'),
  });
  if (wanted('get-current-304')) {
    const current = await fetch(on('/v1/clusters/bench-get/configs/current'), readerGet);
    const etag = current.headers.get('etag');
    const check = await fetch(on('/v1/clusters/bench-get/configs/current'), { headers: { ...readerGet.headers, 'if-none-match': etag } });
    if (check.status !== 304) throw new Error(`get-current-304: expected 304 for If-None-Match ${etag}, got ${check.status}`);
    await scenario('get-current-304', {
      url: on('/v1/clusters/bench-get/configs/current'),
      pid: svc.pid,
      okStatus: 304,
      opts: { headers: { ...readerGet.headers, 'if-none-match': etag } },
    });
  }
  await scenario('diff', {
    url: on('/v1/clusters/bench-diff/configs/latest/diff'),
    pid: svc.pid,
    opts: readerGet,
    preflight: expect200('/v1/clusters/bench-diff/configs/latest/diff', (res) => {
      if (res.body.from !== 1 && res.body.from?.version !== 1) log(`diff: from ${JSON.stringify(res.body.from)} (expected version 1)`);
      log(`diff: response ${res.text.length} bytes, ${res.body.changes?.length} changes`);
    }),
  });
  await scenario('render', {
    url: on('/v1/clusters/bench-diff/configs/current/render?format=cli'),
    pid: svc.pid,
    opts: readerGet,
    preflight: expect200('/v1/clusters/bench-diff/configs/current/render?format=cli'),
  });
  await scenario('history', {
    url: on('/v1/clusters/bench-history/configs?limit=50'),
    pid: svc.pid,
    opts: readerGet,
    preflight: expect200('/v1/clusters/bench-history/configs?limit=50', (res) => {
      if (res.body.items.length !== 50 || res.body.items[0].version !== HISTORY_VERSIONS) {
        throw new Error(`history: expected 50 items from version ${HISTORY_VERSIONS}, got ${res.body.items.length} from ${res.body.items[0]?.version}`);
      }
      log(`history: response ${res.text.length} bytes`);
    }),
  });
  // The same page size deep in the history (a cursor at the middle), to show keyset paging does not slow down.
  const middle = Buffer.from(JSON.stringify({ v: Math.ceil(HISTORY_VERSIONS / 2) })).toString('base64url');
  await scenario('history-deep', {
    url: on(`/v1/clusters/bench-history/configs?limit=50&cursor=${middle}`),
    pid: svc.pid,
    opts: readerGet,
    preflight: expect200(`/v1/clusters/bench-history/configs?limit=50&cursor=${middle}`),
  });

  // Audit pages over HISTORY_VERSIONS seeded events (plus the bench's own): the first page, oldest first, and a
  // filtered page at a cursor half-way down the seeded events.
  await scenario('audit', {
    url: on('/v1/audit?limit=50'),
    pid: svc.pid,
    opts: readerGet,
    preflight: expect200('/v1/audit?limit=50', (res) => {
      if (res.body.items.length !== 50) throw new Error(`audit: expected 50 items, got ${res.body.items.length}`);
      log(`audit: response ${res.text.length} bytes`);
    }),
  });
  const auditMiddle = Buffer.from(JSON.stringify({ seq: auditSeeded.firstSeq + Math.floor(HISTORY_VERSIONS / 2) })).toString('base64url');
  const auditDeep = `/v1/audit?cluster=bench-history&action=config.submitted&limit=50&cursor=${auditMiddle}`;
  await scenario('audit-deep', {
    url: on(auditDeep),
    pid: svc.pid,
    opts: readerGet,
    preflight: expect200(auditDeep, (res) => {
      if (HISTORY_VERSIONS >= 200 && res.body.items.length !== 50) throw new Error(`audit-deep: expected 50 items, got ${res.body.items.length}`);
    }),
  });

  // Submissions without and with three subscriptions, and the time from an event to its delivery.
  if (wanted('submit-0-webhooks') || wanted('submit-3-webhooks') || wanted('webhook-latency')) {
    let submitted = 0;
    const submitOpts = () => ({
      headers: { ...json, ...auth(tokens.submitter) },
      requests: [
        {
          method: 'POST',
          setupRequest: (req) => {
            const i = submitted++;
            req.path = `/v1/clusters/${pool[i % POOL]}/configs`;
            req.body = JSON.stringify({ config: plainConfig(`w${i}`), reason: `bench webhooks ${i}`, changeTicket: `CHG${i}` });
            return req;
          },
        },
      ],
    });
    await scenario('submit-0-webhooks', { url: on('/'), pid: svc.pid, opts: submitOpts() });
    const receiver = await startReceiver({ answer: 200 });
    onCleanup(() => receiver.close());
    const latencies = [];
    let measuring = false;
    receiver.onDelivery = (entry) => {
      if (!measuring) return;
      try {
        const event = JSON.parse(entry.body);
        if (event.specversion === '1.0' && event.type !== 'com.aksproxy.webhook.created') latencies.push(entry.at - Date.parse(event.time));
      } catch {
        /* slack and teams bodies: counted, not timed */
      }
    };
    const hooks = [];
    for (const format of ['cloudevents', 'slack', 'teams']) {
      const res = expectStatus(await client(svc.url, ADMIN_TOKEN).post('/v1/webhooks', { url: receiver.url, events: ['*'], format }), 201, `create ${format} webhook`);
      hooks.push(res.body);
    }
    receiver.secret = hooks[0].secret; // the cloudevents one; the others fail verification and are not counted
    measuring = true;
    const before = receiver.received.length;
    const run = await scenario('submit-3-webhooks', { url: on('/'), pid: svc.pid, opts: submitOpts() });
    // Wait for the deliveries to catch up (3 per event), then report the event → delivery time.
    const started = Date.now();
    await waitUntil(async () => {
      const res = await client(svc.url, tokens.reader).get('/metrics');
      const m = /^aksproxy_webhook_oldest_pending_delivery_age_seconds (\S+)/m.exec(res.text);
      return m && Number(m[1]) === 0;
    }, { timeoutMs: 120_000, intervalMs: 250 });
    latencies.sort((a, b) => a - b);
    const q = (p) => (latencies.length ? latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))] : null);
    const line = {
      scenario: 'webhook-latency',
      database: DATABASE,
      deliveries: receiver.received.length - before,
      timed: latencies.length,
      p50Ms: q(0.5),
      p99Ms: q(0.99),
      maxMs: latencies.at(-1) ?? null,
      drainedAfterMs: Date.now() - started,
      submissions: run?.result.requests.total ?? null,
    };
    process.stdout.write(`${JSON.stringify(line)}\n`);
    lines.push(line);
  }

  // Not a scenario: one full audit/verify over everything (seeded and live), which walks the whole chain.
  {
    await eventLoop(svc.url); // resets the histogram
    const sampler = rssSampler(svc.pid);
    const started = Date.now();
    const res = expectStatus(await client(svc.url, tokens.reader).get('/v1/audit/verify'), 200, 'audit/verify');
    const ms = Date.now() - started;
    const peakRssMb = sampler.stop();
    const loop = await eventLoop(svc.url);
    if (peakRssMb > runPeakRssMb) runPeakRssMb = peakRssMb;
    log(`audit/verify: ok=${res.body.ok} over ${res.body.events} events in ${ms} ms`);
    if (!res.body.ok) throw new Error(`audit/verify failed: ${JSON.stringify(res.body)}`);
    const line = {
      scenario: 'audit-verify',
      database: DATABASE,
      events: res.body.events,
      ms,
      peakRssMb,
      peakRss: sampler.atPeak(),
      eventLoopMaxMs: loop.maxMs,
      eventLoopP99Ms: loop.p99Ms,
      heapUsedMb: loop.heapUsedMb,
      heapTotalMb: loop.heapTotalMb,
      heapSpacesMb: loop.heapSpacesMb,
    };
    process.stdout.write(`${JSON.stringify(line)}\n`);
    lines.push(line);
  }

  // notify-delay (PostgreSQL): a second service process on the same database; a write acknowledged by the first is
  // served by the second once the NOTIFY reached it. Measured from the write's response until the second process
  // answers with it (polled every millisecond or so), NOTIFY_SAMPLES times.
  if (DATABASE_URL && wanted('notify-delay')) {
    const other = await startService({ name: 'service B', storage, logFile: join(tmp, 'service-b.log'), env });
    try {
      const name = 'bench-notify';
      expectStatus(await client(svc.url, ADMIN_TOKEN).post('/v1/clusters', { name, resourceGroup: 'rg-bench' }), 201, `create ${name}`);
      const readB = client(other.url, tokens.reader);
      const delays = [];
      for (let i = 1; i <= NOTIFY_SAMPLES; i++) {
        // B caches the latest version first (twice: the first read fills the cache).
        await readB.get(`/v1/clusters/${name}/configs/latest`);
        await readB.get(`/v1/clusters/${name}/configs/latest`);
        expectStatus(await client(svc.url, tokens.submitter).post(`/v1/clusters/${name}/configs`, { config: plainConfig(`n${i}`), reason: 'notify' }), 201, 'notify submit');
        const t0 = performance.now();
        for (;;) {
          const res = await readB.get(`/v1/clusters/${name}/configs/latest`);
          if (res.body?.version === i) break;
          if (performance.now() - t0 > 5_000) throw new Error(`notify-delay: service B still answers version ${res.body?.version} 5 s after version ${i}`);
        }
        delays.push(performance.now() - t0);
      }
      delays.sort((x, y) => x - y);
      const pct = (p) => round(delays[Math.min(delays.length - 1, Math.ceil((p / 100) * delays.length) - 1)], 2);
      const line = { scenario: 'notify-delay', database: DATABASE, samples: delays.length, p50Ms: pct(50), p99Ms: pct(99), maxMs: round(delays.at(-1), 2) };
      process.stdout.write(`${JSON.stringify(line)}\n`);
      lines.push(line);
    } finally {
      await other.stop();
    }
  }

  // VmHWM: the kernel's high-water mark of the measured service's RSS since it started (also between samples).
  const hwm = rssMb(svc.pid, 'VmHWM');
  process.stdout.write(`${JSON.stringify({ summary: true, peakRssMb: runPeakRssMb, serviceRssHighWaterMb: hwm === null ? null : round(hwm, 1), baselineRps: round(baselineRps, 1) })}\n`);

  const errors = errorLines(logFile);
  if (errors.length) log(`the service logged ${errors.length} error lines; first: ${errors[0].slice(0, 600)}`);
  await svc.stop();
  log(`bench finished in ${elapsed(t0)}`);
  const bad = lines.filter((l) => l.errors || l.non2xx);
  if (bad.length) log(`scenarios with errors or non-2xx answers: ${bad.map((l) => l.scenario).join(', ')}`);
  return bad.length ? 1 : 0;
}

runMain('bench', main);
