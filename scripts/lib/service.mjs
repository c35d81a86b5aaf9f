// Runs the built service (dist/main.js) as a child process: start, wait for /readyz, kill -9, stop, RSS.
import { spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { DIST_MAIN, ROOT, freePort, log, onCleanup, sleep, waitUntil } from './common.mjs';

export const ADMIN_TOKEN = 'bench-admin-token-0123456789abcdef';

/** Variables of ours that must not leak from the caller's shell into a child service. */
const SERVICE_VARS = [
  'PORT', 'HOST', 'DATA_DIR', 'DATABASE_URL', 'ADMIN_TOKEN', 'LOG_LEVEL', 'MIGRATE_ON_START', 'CORS_ORIGINS',
  'RATE_LIMIT_PER_MINUTE', 'BODY_LIMIT_BYTES', 'SHUTDOWN_TIMEOUT_MS', 'SHUTDOWN_DRAIN_MS', 'DATABASE_POOL_SIZE',
  'WEBHOOK_SECRET_KEY', 'WEBHOOK_ALLOW_PRIVATE', 'WEBHOOK_MAX_ATTEMPTS', 'WEBHOOK_BACKOFF_BASE_MS', 'WEBHOOK_TIMEOUT_MS',
  'WEBHOOK_CONCURRENCY', 'WEBHOOK_POLL_MS', 'PUBLIC_URL',
  'OIDC_ISSUER', 'OIDC_AUDIENCE', 'OIDC_ACTOR_CLAIM', 'OIDC_ROLES_CLAIM', 'OIDC_ROLE_MAP', 'OIDC_JWKS_MAX_AGE_S',
  'OIDC_JWKS_COOLDOWN_S',
];

function childEnv(extra) {
  const env = { ...SERVICE_ENV, ...process.env };
  for (const k of SERVICE_VARS) delete env[k];
  return { ...env, ...extra };
}

/** The last lines of a log file, for error messages. */
export function tail(file, lines = 15) {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

/** The node flags the service runs with, as the Dockerfile and `npm start` run it (README "Memory"). */
export const SERVICE_NODE_ARGS = ['--max-semi-space-size=8', '--heap-growing-percent=50'];

/** The environment the Dockerfile gives the service (README "Memory"); a value set in the caller's wins. */
export const SERVICE_ENV = { MALLOC_ARENA_MAX: '2' };

/**
 * Starts `node dist/main.js` (with SERVICE_NODE_ARGS) with its own port and log file. `storage` is { dataDir } for
 * PGlite or { databaseUrl, dataDir } for PostgreSQL. Resolves once /readyz answers 200 (or rejects with the log's
 * tail). `nodeArgs` go before the script, after SERVICE_NODE_ARGS (e.g. ['--cpu-prof'] for a profile).
 */
export async function startService({ name = 'service', storage, logFile, env = {}, port, readyTimeoutMs = 120_000, nodeArgs = [] }) {
  port ??= await freePort();
  const fd = openSync(logFile, 'a');
  const started = Date.now();
  const child = spawn(process.execPath, [...SERVICE_NODE_ARGS, ...nodeArgs, DIST_MAIN], {
    cwd: ROOT,
    env: childEnv({
      PORT: String(port),
      HOST: '127.0.0.1',
      DATA_DIR: storage.dataDir,
      ...(storage.databaseUrl ? { DATABASE_URL: storage.databaseUrl } : {}),
      ADMIN_TOKEN,
      RATE_LIMIT_PER_MINUTE: '0',
      LOG_LEVEL: 'info',
      ...env,
    }),
    stdio: ['ignore', fd, fd],
  });
  closeSync(fd);
  let exitInfo = null;
  const exited = new Promise((resolveExit) => {
    child.once('exit', (code, signal) => {
      exitInfo = { code, signal };
      resolveExit(exitInfo);
    });
  });
  const removeCleanup = onCleanup(async () => {
    if (!exitInfo) {
      child.kill('SIGKILL');
      await exited;
    }
  });
  const url = `http://127.0.0.1:${port}`;
  const svc = {
    name,
    pid: child.pid,
    port,
    url,
    logFile,
    child,
    exited,
    get alive() {
      return exitInfo === null;
    },
    startupMs: 0,
    /** SIGKILL: no shutdown hooks, no lock release, transactions cut mid-way. */
    async kill9() {
      if (exitInfo) return exitInfo;
      child.kill('SIGKILL');
      const info = await exited;
      removeCleanup();
      return info;
    },
    /** SIGTERM and wait (SIGKILL after the timeout). */
    async stop(timeoutMs = 20_000) {
      if (exitInfo) return exitInfo;
      child.kill('SIGTERM');
      const info = await Promise.race([exited, sleep(timeoutMs).then(() => null)]);
      if (!info) {
        log(`${name} did not stop within ${timeoutMs} ms of SIGTERM; killing it`);
        child.kill('SIGKILL');
        await exited;
      }
      removeCleanup();
      return exitInfo;
    },
    /** Current resident set size in MB from /proc (null once the process is gone). */
    rssMb() {
      return rssMb(child.pid);
    },
  };
  const ready = await waitUntil(
    async () => {
      if (exitInfo) throw Object.assign(new Error('exited'), { fatal: true });
      const res = await fetch(`${url}/readyz`, { signal: AbortSignal.timeout(2_000) });
      await res.arrayBuffer();
      return res.status === 200;
    },
    { timeoutMs: readyTimeoutMs, intervalMs: 100 },
  ).catch(() => null);
  if (!ready) {
    const why = exitInfo ? `exited (${JSON.stringify(exitInfo)})` : `not ready after ${readyTimeoutMs} ms`;
    if (!exitInfo) await svc.kill9();
    throw new Error(`${name} ${why}; log tail:\n${tail(logFile)}`);
  }
  svc.startupMs = Date.now() - started;
  return svc;
}

export function rssMb(pid, field = 'VmRSS') {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const m = new RegExp(`${field}:\\s+(\\d+) kB`).exec(status);
    return m ? Number(m[1]) / 1024 : null;
  } catch {
    return null;
  }
}

/** CPU time (user + system) a process has used so far, in seconds (/proc/<pid>/stat, 100 ticks a second). */
export function cpuSeconds(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return null;
  }
}

/** RSS of a process in MB from /proc: total, anonymous (heaps, stacks) and file-backed (the node binary, libraries). */
export function rssParts(pid) {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (field) => {
      const m = new RegExp(`${field}:\\s+(\\d+) kB`).exec(status);
      return m ? Number(m[1]) / 1024 : null;
    };
    const threads = /Threads:\s+(\d+)/.exec(status);
    return { rss: kb('VmRSS'), anon: kb('RssAnon'), file: kb('RssFile'), threads: threads ? Number(threads[1]) : null };
  } catch {
    return null;
  }
}

/**
 * Samples a process's RSS every `intervalMs` until stopped. stop() returns the peak in MB; cpuPercent() then
 * tells the share of one core the process used meanwhile, atPeak() the anonymous and file-backed parts of the
 * peak sample and the process's thread count then.
 */
export function rssSampler(pid, intervalMs = 50) {
  const cpuStart = cpuSeconds(pid);
  const wallStart = Date.now();
  let cpuPct = null;
  let cpuUsed = null;
  let peakParts = rssParts(pid);
  let peak = peakParts?.rss ?? 0;
  const sample = () => {
    const parts = rssParts(pid);
    if (parts?.rss != null && parts.rss > peak) {
      peak = parts.rss;
      peakParts = parts;
    }
  };
  const timer = setInterval(sample, intervalMs);
  const r1 = (n) => (n == null ? null : Math.round(n * 10) / 10);
  return {
    stop() {
      clearInterval(timer);
      sample();
      const cpuEnd = cpuSeconds(pid);
      if (cpuStart !== null && cpuEnd !== null) {
        cpuUsed = cpuEnd - cpuStart;
        cpuPct = Math.round((cpuUsed / ((Date.now() - wallStart) / 1000)) * 100);
      }
      return Math.round(peak * 10) / 10;
    },
    cpuPercent: () => cpuPct,
    /** CPU seconds (user + system, all threads) the process used while sampled. */
    cpuSeconds: () => cpuUsed,
    /** The peak sample's anonymous and file-backed RSS (MB) and thread count. */
    atPeak: () => ({ anonMb: r1(peakParts?.anon), fileMb: r1(peakParts?.file), threads: peakParts?.threads ?? null }),
  };
}

/** Counts log lines at level error/fatal (unhandled errors show up there). */
export function errorLines(file) {
  try {
    return readFileSync(file, 'utf8')
      .split('\n')
      .filter((l) => /"level":"(error|fatal)"/.test(l));
  } catch {
    return [];
  }
}
