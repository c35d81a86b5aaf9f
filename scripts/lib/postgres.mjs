// PostgreSQL helpers: a fresh database on the server of DATABASE_URL (dropped at clean-up), and a private,
// throw-away PostgreSQL server (initdb + pg_ctl in a temp dir, on its own port) that a test may stop and start.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, chownSync, existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { log, onCleanup } from './common.mjs';

/** Creates `<prefix>_<time>_<random>` on the server of baseUrl; returns its URL and a drop function (also registered). */
export async function freshDatabase(baseUrl, prefix) {
  const name = `${prefix}_${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;
  const admin = new pg.Client({ connectionString: baseUrl });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE "${name}"`);
  } finally {
    await admin.end();
  }
  const url = new URL(baseUrl);
  url.pathname = `/${name}`;
  let dropped = false;
  const drop = async () => {
    if (dropped || process.env.KEEP_DB === '1') return;
    dropped = true;
    const c = new pg.Client({ connectionString: baseUrl });
    await c.connect();
    try {
      await c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    } finally {
      await c.end();
    }
  };
  onCleanup(drop);
  return { name, url: url.toString(), drop };
}

/** The server's version string (for the bench header). */
export async function serverVersion(url) {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return (await c.query('SHOW server_version')).rows[0].server_version;
  } finally {
    await c.end();
  }
}

/** A pg client; the caller ends it. */
export async function connect(url) {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  return c;
}

function pgBinDir() {
  const base = '/usr/lib/postgresql';
  if (!existsSync(base)) throw new Error('no PostgreSQL binaries under /usr/lib/postgresql');
  const versions = readdirSync(base).filter((v) => existsSync(join(base, v, 'bin', 'pg_ctl'))).sort((a, b) => Number(b) - Number(a));
  if (!versions.length) throw new Error('no pg_ctl under /usr/lib/postgresql/*/bin');
  return join(base, versions[0], 'bin');
}

/**
 * A private PostgreSQL server in `dir` on `port` (trust auth, user postgres), run as the postgres OS user when we
 * are root. start(), stopImmediate() (a crash: no checkpoint, connections cut) and destroy().
 */
export function privatePostgres(dir, port) {
  const bin = pgBinDir();
  const dataDir = join(dir, 'pgdata');
  const sockDir = join(dir, 'sock');
  const logFile = join(dir, 'postgres.log');
  const asRoot = process.getuid?.() === 0;
  let uid = null;
  let gid = null;
  if (asRoot) {
    const ids = execFileSync('id', ['-u', 'postgres']).toString().trim();
    uid = Number(ids);
    gid = Number(execFileSync('id', ['-g', 'postgres']).toString().trim());
  }
  const run = (tool, args, timeoutMs = 60_000) => {
    const cmd = join(bin, tool);
    const [file, argv] = asRoot ? ['runuser', ['-u', 'postgres', '--', cmd, ...args]] : [cmd, args];
    return execFileSync(file, argv, { stdio: ['ignore', 'pipe', 'pipe'], timeout: timeoutMs }).toString();
  };
  let running = false;
  const server = {
    url: `postgresql://postgres@127.0.0.1:${port}/postgres`,
    port,
    logFile,
    init() {
      mkdirSync(sockDir, { recursive: true });
      if (asRoot) {
        chownSync(dir, uid, gid);
        chownSync(sockDir, uid, gid);
      }
      chmodSync(dir, 0o700);
      run('initdb', ['-D', dataDir, '-U', 'postgres', '--auth=trust', '--no-sync', '-E', 'UTF8', '--locale=C.UTF-8'], 120_000);
      onCleanup(() => server.destroy());
    },
    start() {
      run('pg_ctl', [
        '-D', dataDir, '-l', logFile, '-w', '-t', '60',
        '-o', `-p ${port} -k ${sockDir} -c listen_addresses=127.0.0.1 -c max_connections=50 -c shared_buffers=32MB`,
        'start',
      ]);
      running = true;
    },
    /** pg_ctl stop -m immediate: the server quits at once without a checkpoint (crash recovery at next start). */
    stopImmediate() {
      run('pg_ctl', ['-D', dataDir, '-m', 'immediate', '-w', '-t', '60', 'stop']);
      running = false;
    },
    destroy() {
      if (running) {
        try {
          run('pg_ctl', ['-D', dataDir, '-m', 'immediate', '-w', '-t', '30', 'stop']);
        } catch (err) {
          log('could not stop the private PostgreSQL:', err.message);
        }
        running = false;
      }
      if (process.env.KEEP_TMP !== '1') rmSync(dir, { recursive: true, force: true });
    },
  };
  return server;
}
