// Shared plumbing for scripts/bench.mjs and scripts/fault.mjs: paths, logging to stderr, temp dirs, free ports,
// bounded waiting, and a clean-up registry that also runs on Ctrl-C.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { cpus, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const DIST_MAIN = join(ROOT, 'dist', 'main.js');

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Progress messages go to stderr, so stdout stays machine-readable (JSON lines, PASS/FAIL lines). */
export function log(...parts) {
  process.stderr.write(`[${new Date().toISOString().slice(11, 23)}] ${parts.join(' ')}\n`);
}

/** Exits with a clear message when the service has not been built. */
export function requireBuild(scriptName) {
  if (!existsSync(DIST_MAIN)) {
    process.stderr.write(`${scriptName}: ${DIST_MAIN} does not exist. Build the service first: npm run build\n`);
    process.exit(2);
  }
}

export function envNumber(name, fallback, { min = -Infinity, max = Infinity } = {}) {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < min || n > max) {
    process.stderr.write(`${name} must be a number between ${min} and ${max} (got "${raw}")\n`);
    process.exit(2);
  }
  return n;
}

export function cpuModel() {
  const list = cpus();
  return { model: list[0]?.model?.trim() ?? 'unknown', cores: list.length };
}

/** A port nobody listens on right now (asked from the kernel, then released). */
export function freePort() {
  return new Promise((resolvePort, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolvePort(port));
    });
  });
}

const cleanups = [];
let cleaning = null;

/** Registers an async clean-up step; they run newest first at the end or on SIGINT/SIGTERM. */
export function onCleanup(fn) {
  cleanups.push(fn);
  return () => {
    const i = cleanups.indexOf(fn);
    if (i >= 0) cleanups.splice(i, 1);
  };
}

export async function runCleanups() {
  cleaning ??= (async () => {
    while (cleanups.length) {
      const fn = cleanups.pop();
      try {
        await fn();
      } catch (err) {
        log('clean-up step failed:', err?.message ?? err);
      }
    }
  })();
  return cleaning;
}

/**
 * Runs a script's `main` (which returns its exit code), then the clean-ups, then exits with that code; a throw is
 * logged with the script's name and exits 1 after the clean-ups.
 */
export function runMain(name, main) {
  main()
    .then(async (code) => {
      await runCleanups();
      process.exit(code);
    })
    .catch(async (err) => {
      process.stderr.write(`${name} failed: ${err?.stack ?? err}\n`);
      await runCleanups();
      process.exit(1);
    });
}

for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, () => {
    log(`${signal}: cleaning up`);
    void runCleanups().finally(() => process.exit(130));
  });
}

/** A temp directory removed at clean-up (kept when KEEP_TMP=1, for post-mortems). */
export function tempDir(prefix) {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  onCleanup(() => {
    if (process.env.KEEP_TMP === '1') log(`kept ${dir}`);
    else rmSync(dir, { recursive: true, force: true });
  });
  return dir;
}

/** Polls `check` until it returns a truthy value or the time is up; returns that value or null. */
export async function waitUntil(check, { timeoutMs, intervalMs = 100 }) {
  const end = Date.now() + timeoutMs;
  for (;;) {
    try {
      const v = await check();
      if (v) return v;
    } catch {
      /* not yet */
    }
    if (Date.now() >= end) return null;
    await sleep(intervalMs);
  }
}

export const elapsed = (t0) => `${((Date.now() - t0) / 1000).toFixed(1)} s`;
