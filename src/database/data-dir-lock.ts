import { closeSync, mkdirSync, openSync, readFileSync, rmSync, statSync, utimesSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';

export class DataDirLockedError extends Error {
  override name = 'DataDirLockedError';
}

function isAlive(pid: number): boolean {
  if (pid === process.pid) return false; // a lock left by an earlier life of this very PID (e.g. PID 1 in a container)
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export interface DataDirLockTiming {
  /** How often the holder refreshes the lock file's modification time. */
  heartbeatMs: number;
  /** A lock not refreshed for this long is stale, whatever host wrote it. */
  staleMs: number;
}

const DEFAULT_TIMING: DataDirLockTiming = { heartbeatMs: 10_000, staleMs: 60_000 };

/**
 * An exclusive lock on a PGlite data directory: PGlite is a single-process database, and two processes writing
 * the same files corrupt them. The lock file holds the owner's PID and host, and the owner refreshes its
 * modification time every `heartbeatMs`. A lock is taken over when its process is gone (same host: kill -9, crash),
 * or when nobody has refreshed it for `staleMs` (any host: a container recreated after a kill gets a new host name,
 * so the PID of the old one means nothing). Returns the release function.
 */
export function lockDataDir(dir: string, timing: DataDirLockTiming = DEFAULT_TIMING): () => void {
  mkdirSync(dir, { recursive: true });
  const file = join(dir, 'service.lock');
  const me = `${process.pid}@${hostname()}`;
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(file, 'wx', 0o600);
      writeSync(fd, me);
      closeSync(fd);
      const heartbeat = setInterval(() => {
        try {
          const now = new Date();
          utimesSync(file, now, now);
        } catch {
          /* removed under us: nothing to refresh */
        }
      }, timing.heartbeatMs);
      heartbeat.unref();
      return () => {
        clearInterval(heartbeat);
        try {
          if (readFileSync(file, 'utf8') === me) rmSync(file);
        } catch {
          /* already gone */
        }
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      let owner = '';
      let ageMs = 0;
      try {
        owner = readFileSync(file, 'utf8');
        ageMs = Date.now() - statSync(file).mtimeMs;
      } catch {
        continue; // released between our open and read: try again
      }
      const [pidText, host] = owner.split('@');
      const pid = Number(pidText);
      const sameHost = host === hostname();
      const deadHere = sameHost && Number.isInteger(pid) && pid > 0 && !isAlive(pid);
      if (deadHere || ageMs > timing.staleMs) {
        rmSync(file, { force: true }); // stale: its process is gone, or nobody has kept it fresh
        continue;
      }
      throw new DataDirLockedError(
        `DATA_DIR ${dir} is in use by another process (${owner || 'unknown'}, lock refreshed ${Math.round(ageMs / 1000)} s ago): ` +
          'PGlite allows one process per data directory. Stop the other process, use another DATA_DIR, or use PostgreSQL ' +
          `(DATABASE_URL) to run several processes. A lock from another host that is not refreshed for ${Math.round(timing.staleMs / 1000)} s is taken over.`,
      );
    }
  }
  throw new DataDirLockedError(`Could not lock DATA_DIR ${dir}`);
}
