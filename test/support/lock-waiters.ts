import type { Client } from 'pg';

/**
 * Resolves once at least `n` connections of this database wait for a lock (pg_stat_activity, polled every 20 ms
 * through `client`); throws after a minute, with what each connection was doing.
 */
export async function untilLockWaiters(client: Client, n: number): Promise<void> {
  for (let i = 0; ; i++) {
    const { rows } = await client.query(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`);
    if (rows[0].n >= n) return;
    if (i > 3000) {
      const { rows: activity } = await client.query(
        `SELECT wait_event_type, wait_event, state, left(query, 60) AS q FROM pg_stat_activity WHERE datname = current_database()`,
      );
      throw new Error(`${rows[0].n} of ${n} connections ever waited for a lock: ${JSON.stringify(activity)}`);
    }
    await new Promise((r) => setTimeout(r, 20));
  }
}
