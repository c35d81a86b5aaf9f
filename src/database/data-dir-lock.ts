import { closeSync, mkdirSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
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

/**
 * An exclusive lock on a PGlite data directory: PGlite is a single-process database, and two processes writing
 * the same files corrupt them. The lock file holds the owner's PID and host; a lock whose process is gone
 * (kill -9, crash) is taken over. Returns the release function.
 */
export function lockDataDir(dir: string): () => void {
  mkdirSync(dir, { recursive: true });
  const file = join(dir, 'service.lock');
  const me = `${process.pid}@${hostname()}`;
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(file, 'wx', 0o600);
      writeSync(fd, me);
      closeSync(fd);
      return () => {
        try {
          if (readFileSync(file, 'utf8') === me) rmSync(file);
        } catch {
          /* already gone */
        }
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      let owner = '';
      try {
        owner = readFileSync(file, 'utf8');
      } catch {
        continue; // released between our open and read: try again
      }
      const [pidText, host] = owner.split('@');
      const pid = Number(pidText);
      const sameHost = host === hostname();
      if (sameHost && Number.isInteger(pid) && pid > 0 && !isAlive(pid)) {
        rmSync(file, { force: true }); // stale: its process is gone
        continue;
      }
      throw new DataDirLockedError(
        `DATA_DIR ${dir} is in use by another process (${owner || 'unknown'}): PGlite allows one process per data directory. ` +
          'Stop the other process, use another DATA_DIR, or use PostgreSQL (DATABASE_URL) to run several processes.',
      );
    }
  }
  throw new DataDirLockedError(`Could not lock DATA_DIR ${dir}`);
}
