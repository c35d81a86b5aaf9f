// CPU accounting for the bench: where the CPU time of a scenario went, per request, across the processes that serve
// it on this machine: the service (lib/service.mjs rssSampler), the PostgreSQL server processes of its database,
// the bench client itself, and the whole machine (/proc/stat) as a cross-check. Linux only (/proc); USER_HZ = 100.
import { readFileSync } from 'node:fs';
import pg from 'pg';

const TICK_MS = 10;

/** utime + stime of a process in ms, and its command name; null once it is gone. */
export function procCpu(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { comm, ms: (Number(fields[11]) + Number(fields[12])) * TICK_MS };
  } catch {
    return null;
  }
}

/** The whole machine's busy and total CPU time so far, in ms (all cores; /proc/stat's first line). */
export function machineCpu() {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n')[0];
    const [user, nice, system, idle, iowait, irq, softirq, steal] = line.trim().split(/\s+/).slice(1).map(Number);
    const busy = user + nice + system + irq + softirq + steal;
    return { busyMs: busy * TICK_MS, totalMs: (busy + idle + iowait) * TICK_MS };
  } catch {
    return null;
  }
}

/**
 * Watches the PostgreSQL server processes that serve database `dbName` (client backends and autovacuum workers,
 * listed by pg_stat_activity on a separate connection to `adminUrl`, whose own backend is in another database and so
 * not counted), plus the server-wide auxiliary processes (WAL writer, background writer, checkpointer, ...: shared
 * with every database on the server, so reported apart). Usable only when the server runs on this machine: a pid
 * counts only if /proc/<pid> is a process named postgres; `local` is false when none is found.
 *
 * Per scenario: begin() records each process's CPU so far; while running it samples every `intervalMs` (a backend
 * that exits keeps its last sampled value: at most one interval of its CPU is lost; one that starts counts from 0,
 * its connection set-up included); end() returns { backendsMs, listenerMs, sharedMs } used meanwhile (listenerMs: the
 * part of backendsMs spent by backends whose last statement was a LISTEN, i.e. relaying NOTIFYs to the service).
 */
export async function pgCpuWatcher(adminUrl, dbName, { intervalMs = 200 } = {}) {
  const conn = new pg.Client({ connectionString: adminUrl });
  await conn.connect();
  const list = async () =>
    (
      await conn.query(
        `SELECT pid, datname = $1 AS ours, query ILIKE 'LISTEN %' AS listener FROM pg_stat_activity
          WHERE (datname = $1 AND backend_type IN ('client backend', 'autovacuum worker', 'parallel worker'))
             OR (datname IS NULL AND backend_type NOT IN ('client backend', 'walsender'))`,
        [dbName],
      )
    ).rows;
  const probe = await list();
  const local = probe.some((r) => procCpu(r.pid)?.comm === 'postgres');

  let start = null; // pid -> ms at begin()
  let last = null; // pid -> { ms, ours, listener }
  let timer = null;
  let sampling = null;
  async function sample() {
    for (const { pid, ours, listener } of await list()) {
      const p = procCpu(pid);
      if (p?.comm !== 'postgres') continue;
      if (!start.has(pid)) start.set(pid, 0); // appeared during the scenario
      last.set(pid, { ms: p.ms, ours, listener });
    }
  }
  return {
    local,
    async begin() {
      start = new Map();
      last = new Map();
      if (!local) return;
      for (const { pid, ours, listener } of await list()) {
        const p = procCpu(pid);
        if (p?.comm !== 'postgres') continue;
        start.set(pid, p.ms);
        last.set(pid, { ms: p.ms, ours, listener });
      }
      timer = setInterval(() => {
        if (!sampling) sampling = sample().catch(() => {}).finally(() => (sampling = null));
      }, intervalMs);
    },
    async end() {
      clearInterval(timer);
      if (!local) return { backendsMs: null, listenerMs: null, sharedMs: null };
      await sampling;
      // The processes still there: their CPU now; the ones gone: their last sample.
      for (const [pid, v] of last) {
        const p = procCpu(pid);
        if (p?.comm === 'postgres') v.ms = p.ms;
      }
      await sample();
      let backendsMs = 0;
      let listenerMs = 0;
      let sharedMs = 0;
      for (const [pid, v] of last) {
        const used = Math.max(0, v.ms - (start.get(pid) ?? 0));
        if (v.ours) backendsMs += used;
        else sharedMs += used;
        if (v.ours && v.listener) listenerMs += used;
      }
      return { backendsMs, listenerMs, sharedMs };
    },
    async close() {
      clearInterval(timer);
      await conn.end();
    },
  };
}
