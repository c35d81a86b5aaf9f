#!/usr/bin/env node
// Fuzzes the HTTP API from openapi/openapi.json (the generator of test/fuzz.e2e.spec.ts, scripts/lib/fuzz.mjs):
// every operation, valid and mutated bodies, parameters, headers, tokens of every role, planted private keys.
//
//   npm run fuzz                                   builds, starts dist/main.js on a fresh PGlite data dir, fuzzes it
//   DATABASE_URL=postgresql://... npm run fuzz     the same on a fresh database of that PostgreSQL server
//   FUZZ_URL=http://127.0.0.1:3000 FUZZ_TOKEN=<admin token> npm run fuzz
//                                                  against a running service (disable its rate limit:
//                                                  RATE_LIMIT_PER_MINUTE=0, or the answers are mostly 429)
// Variables: FUZZ_REQUESTS (default 10000), FUZZ_SEED (default random; printed), FUZZ_CONCURRENCY (default 8).
//
// Prints: requests, status histogram, 5xx, errors that are not problem+json, secrets echoed, slowest answers, and the
// largest event-loop delay of the SERVICE process. That delay is perf_hooks.monitorEventLoopDelay inside the service,
// read from its /metrics (prom-client's nodejs_eventloop_lag_max_seconds: the max since the previous scrape; this
// script scrapes every 250 ms and keeps the largest). Measuring here, in the load generator's process, would say
// nothing about the service. A Prometheus scraping the same service at the same time takes some of the maxima.
// Exit code 1 when any 5xx, non-problem error, echoed secret or broken audit chain was seen.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, envNumber, log, requireBuild, tempDir, runMain } from './lib/common.mjs';
import { prepareFuzzContext, runFuzz, verifyAudit } from './lib/fuzz.mjs';
import { freshDatabase } from './lib/postgres.mjs';
import { ADMIN_TOKEN, startService } from './lib/service.mjs';

const REQUESTS = envNumber('FUZZ_REQUESTS', 10_000, { min: 1, max: 10_000_000 });
const SEED = envNumber('FUZZ_SEED', Math.floor(Math.random() * 2 ** 31), { min: 0, max: 2 ** 31 - 1 });
const CONCURRENCY = envNumber('FUZZ_CONCURRENCY', 8, { min: 1, max: 256 });

const LAG_MAX = /^(?:\w+_)?nodejs_eventloop_lag_max_seconds(?:\{[^}]*\})? ([0-9.eE+-]+)$/m;

/** Polls /metrics and keeps the largest event-loop delay the service reports. */
function eventLoopWatcher(url) {
  let max = 0;
  let samples = 0;
  let stopped = false;
  let last = Date.now();
  let worst = null; // the scrape interval with the largest delay: { from, to }
  const scrape = async () => {
    try {
      const from = last;
      const res = await fetch(`${url}/metrics`, { signal: AbortSignal.timeout(5_000) });
      const text = await res.text();
      last = Date.now();
      const m = LAG_MAX.exec(text);
      if (m) {
        samples++;
        if (Number(m[1]) > max) {
          max = Number(m[1]);
          worst = { from, to: last };
        }
      }
    } catch {
      /* a missed scrape only loses that interval's maximum */
    }
  };
  const loop = (async () => {
    await scrape(); // resets the service's histogram: set-up work does not count
    max = 0;
    samples = 0;
    worst = null;
    while (!stopped) {
      await new Promise((r) => setTimeout(r, 250));
      await scrape();
    }
  })();
  return {
    async stop() {
      stopped = true;
      await loop;
      await scrape();
      return { maxMs: Math.round(max * 10_000) / 10, samples, worst };
    },
  };
}

async function main() {
  const doc = JSON.parse(readFileSync(join(ROOT, 'openapi', 'openapi.json'), 'utf8'));
  let url = process.env.FUZZ_URL?.replace(/\/+$/, '');
  let token = process.env.FUZZ_TOKEN;
  let target;
  if (url) {
    if (!token) {
      process.stderr.write('FUZZ_URL needs FUZZ_TOKEN: an admin token of that service\n');
      process.exit(2);
    }
    target = url;
  } else {
    requireBuild('fuzz');
    const dataDir = tempDir('aks-proxy-fuzz-');
    const databaseUrl = process.env.DATABASE_URL ? (await freshDatabase(process.env.DATABASE_URL, 'fuzz')).url : undefined;
    const service = await startService({ name: 'fuzz-target', storage: { dataDir, databaseUrl }, logFile: join(dataDir, 'service.log'), env: { LOG_LEVEL: 'warn' } });
    url = service.url;
    token = ADMIN_TOKEN;
    target = `dist/main.js on ${databaseUrl ? 'PostgreSQL (fresh database)' : 'PGlite'}, log ${join(dataDir, 'service.log')}`;
  }
  log(`fuzz: ${REQUESTS} requests, seed ${SEED} (repeat with FUZZ_SEED=${SEED}), concurrency ${CONCURRENCY}, against ${target}`);
  const ctx = await prepareFuzzContext(url, token);
  const watcher = eventLoopWatcher(url);
  const started = Date.now();
  const timeline = [];
  const report = await runFuzz(url, doc, ctx, {
    seed: SEED,
    count: REQUESTS,
    concurrency: CONCURRENCY,
    timeline,
    onProgress: (n) => n % 5000 === 0 && log(`fuzz: ${n} requests`),
  });
  const seconds = (Date.now() - started) / 1000;
  const lag = await watcher.stop();
  const audit = await verifyAudit(url, token);

  const out = (line = '') => process.stdout.write(`${line}\n`);
  out(`seed:                 ${SEED}`);
  out(`requests:             ${report.requests} in ${seconds.toFixed(1)} s (${Math.round(report.requests / seconds)}/s, concurrency ${CONCURRENCY})`);
  out(`statuses:             ${Object.entries(report.histogram).map(([s, n]) => `${s}: ${n}`).join(', ')}`);
  out(`5xx:                  ${report.count5xx}`);
  out(`not problem+json:     ${report.notProblemCount}`);
  out(`secrets echoed:       ${report.echoCount}`);
  out(`network errors:       ${report.networkErrors.length}`);
  out(`event-loop delay max: ${lag.samples ? `${lag.maxMs} ms (service process, monitorEventLoopDelay via /metrics, ${lag.samples} scrapes)` : 'n/a (no nodejs_eventloop_lag_max_seconds in /metrics)'}`);
  out(`audit chain:          ${audit.ok ? `ok (${audit.events} events)` : `BROKEN ${JSON.stringify(audit)}`}`);
  if (lag.worst) {
    // the requests in flight while the largest delay happened (the stall is one of them, or garbage collection)
    const during = timeline.filter((t) => t.end >= lag.worst.from && t.start <= lag.worst.to).sort((a, b) => b.ms - a.ms).slice(0, 5);
    out(`in flight during the largest delay (${lag.worst.to - lag.worst.from} ms window), slowest first:`);
    for (const s of during) out(`  ${String(s.ms).padStart(8)} ms  ${s.status}  ${s.method} ${s.url.slice(0, 110)}`);
  }
  out('slowest answers:');
  for (const s of report.slowest) out(`  ${String(s.ms).padStart(8)} ms  ${s.status}  ${s.method} ${s.url.slice(0, 110)}`);
  for (const [title, list] of [['5xx', report.serverErrors], ['not problem+json', report.notProblem], ['secrets echoed', report.echoes], ['network errors', report.networkErrors]]) {
    if (!list.length) continue;
    out(`${title} (first ${list.length}):`);
    for (const item of list) out(`  ${JSON.stringify(item).slice(0, 600)}`);
  }
  const failed = report.count5xx > 0 || report.notProblemCount > 0 || report.echoCount > 0 || !audit.ok;
  out(failed ? 'FAIL' : 'PASS');
  return failed ? 1 : 0;
}

runMain('fuzz', main);
