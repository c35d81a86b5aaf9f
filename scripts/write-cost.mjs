#!/usr/bin/env node
// npm run write-cost: what one write costs in CPU time, and in which process, on PostgreSQL (needs DATABASE_URL).
// Starts the built service on a fresh database, sends WRITE_COST_REQUESTS (300) submissions (each on its own
// cluster), then approves each version, then renders (cli) one approved version as often, WRITE_COST_CONCURRENCY (8)
// at a time, and prints per scenario the CPU time per request of the service process, of its PostgreSQL backends
// (the server processes of the service's connections, from /proc: Linux only) and of this client, and the SQL
// statements per request (pg_stat_statements when the server has it loaded; else null). CPU time, unlike req/s,
// hardly depends on what else runs on the machine; the sum is the work a write needs, so
// cores / (CPU per request) bounds the throughput an idle machine could reach. WRITE_COST_ONLY=submit,decide,render
// measures only those (the others' writes are still made, unmeasured); WRITE_COST_CPU_PROF=<dir> runs the service
// with --cpu-prof into that directory (sum it up with scripts/cpu-profile-summary.mjs).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { envNumber, log, onCleanup, requireBuild, tempDir, runMain } from './lib/common.mjs';
import { plainConfig } from './lib/configs.mjs';
import { client, createKey, expectStatus } from './lib/http.mjs';
import { freshDatabase } from './lib/postgres.mjs';
import { pgRunner, seedClusters } from './lib/seed.mjs';
import { ADMIN_TOKEN, startService } from './lib/service.mjs';

requireBuild('write-cost');

const REQUESTS = envNumber('WRITE_COST_REQUESTS', 300, { min: 10, max: 100_000 });
const CONCURRENCY = envNumber('WRITE_COST_CONCURRENCY', 8, { min: 1, max: 256 });
const ONLY = process.env.WRITE_COST_ONLY ? new Set(process.env.WRITE_COST_ONLY.split(',').map((s) => s.trim())) : null;
const CPU_PROF = process.env.WRITE_COST_CPU_PROF || null;
const DATABASE_URL = process.env.DATABASE_URL;
const TICK_MS = 10; // USER_HZ is 100 on Linux

/** utime + stime of a process, in ms (0 when it is gone). */
function cpuMs(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) * TICK_MS;
  } catch {
    return 0;
  }
}

async function main() {
  if (!DATABASE_URL) throw new Error('write-cost needs DATABASE_URL (a PostgreSQL server)');
  const db = await freshDatabase(DATABASE_URL, 'wcost');
  const dir = tempDir('write-cost');
  const svc = await startService({
    storage: { databaseUrl: db.url, dataDir: dir },
    logFile: join(dir, 'service.log'),
    nodeArgs: CPU_PROF ? ['--cpu-prof', '--cpu-prof-dir', CPU_PROF] : [],
  });
  onCleanup(() => svc.stop());
  const admin = new pg.Client({ connectionString: db.url });
  await admin.connect();
  onCleanup(() => admin.end());
  const hasStatements = (await admin.query(`SELECT 1 FROM pg_extension WHERE extname = 'pg_stat_statements'`)).rowCount > 0 ||
    (await admin.query(`SELECT current_setting('shared_preload_libraries') ~ 'pg_stat_statements' AS on`)).rows[0].on;
  if (hasStatements) await admin.query('CREATE EXTENSION IF NOT EXISTS pg_stat_statements');

  const submitter = client(svc.url, await createKey(svc.url, ADMIN_TOKEN, 'cost-submitter', ['submitter', 'reader']));
  const approver = client(svc.url, await createKey(svc.url, ADMIN_TOKEN, 'cost-approver', ['approver', 'reader']));
  const names = await seedClusters(pgRunner(admin), 'cost-', REQUESTS);
  // Warm-up: a few of each, on their own clusters.
  const warm = await seedClusters(pgRunner(admin), 'warm-', 20);
  for (const [i, name] of warm.entries()) {
    expectStatus(await submitter.post(`/v1/clusters/${name}/configs`, { config: plainConfig(`w${i}`), reason: 'warm-up' }), 201, 'warm-up submit');
    expectStatus(await approver.post(`/v1/clusters/${name}/configs/1/decisions`, { decision: 'approve' }), 201, 'warm-up approve');
    expectStatus(await submitter.get(`/v1/clusters/${name}/configs/current/render?format=cli`), 200, 'warm-up render');
  }

  const backends = async () =>
    (await admin.query(`SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() AND backend_type = 'client backend'`)).rows.map((r) => r.pid);
  const statementCount = async () =>
    hasStatements
      ? Number((await admin.query(`SELECT coalesce(sum(calls), 0)::bigint AS n FROM pg_stat_statements s JOIN pg_database d ON d.oid = s.dbid WHERE d.datname = current_database() AND s.query NOT ILIKE '%pg_stat%'`)).rows[0].n)
      : null;

  async function scenario(name, send) {
    if (ONLY && !ONLY.has(name)) return;
    const before = new Map((await backends()).map((pid) => [pid, cpuMs(pid)]));
    const svcBefore = cpuMs(svc.pid);
    const clientBefore = process.cpuUsage();
    const statementsBefore = await statementCount();
    const started = process.hrtime.bigint();
    let next = 0;
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        for (let i = next++; i < REQUESTS; i = next++) await send(i);
      }),
    );
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    const statements = await statementCount();
    const clientUsage = process.cpuUsage(clientBefore);
    let dbMs = 0;
    for (const pid of await backends()) dbMs += cpuMs(pid) - (before.get(pid) ?? 0);
    const per = (ms) => Math.round((ms / REQUESTS) * 100) / 100;
    const service = per(cpuMs(svc.pid) - svcBefore);
    const postgres = per(dbMs);
    const own = per((clientUsage.user + clientUsage.system) / 1000);
    const line = {
      scenario: name,
      requests: REQUESTS,
      concurrency: CONCURRENCY,
      rps: Math.round(REQUESTS / seconds),
      cpuMsPerRequest: { service, postgres, client: own, total: Math.round((service + postgres + own) * 100) / 100 },
      // minus the one statement counting itself
      statementsPerRequest: statements === null ? null : Math.round(((statements - statementsBefore - 1) / REQUESTS) * 100) / 100,
    };
    console.log(JSON.stringify(line));
  }

  await scenario('submit', async (i) => {
    expectStatus(await submitter.post(`/v1/clusters/${names[i]}/configs`, { config: plainConfig(`c${i}`), reason: `cost ${i}`, changeTicket: `CHG${i}` }), 201, 'submit');
  });
  if (ONLY && !ONLY.has('submit')) {
    for (const [i, name] of names.entries()) expectStatus(await submitter.post(`/v1/clusters/${name}/configs`, { config: plainConfig(`c${i}`), reason: 'cost' }), 201, 'submit');
  }
  if (ONLY && !ONLY.has('decide')) {
    for (const name of names) expectStatus(await approver.post(`/v1/clusters/${name}/configs/1/decisions`, { decision: 'approve' }), 201, 'decide');
  }
  await scenario('decide', async (i) => {
    expectStatus(await approver.post(`/v1/clusters/${names[i]}/configs/1/decisions`, { decision: 'approve', comment: 'ok' }), 201, 'decide');
  });
  await scenario('render', async (i) => {
    expectStatus(await submitter.get(`/v1/clusters/${names[i]}/configs/current/render?format=cli`), 200, 'render');
  });
  const verify = expectStatus(await submitter.get('/v1/audit/verify'), 200, 'verify').body;
  log(`audit verify: ${JSON.stringify(verify)}`);
  if (!verify.ok) throw new Error('the audit chain does not verify');
}

runMain('write-cost', main);
