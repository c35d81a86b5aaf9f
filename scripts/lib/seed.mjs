// Bulk seeding straight into the tables (the service must not hold a PGlite directory while this runs).
// Rows look like what the service writes (normalized config, findings, one approval each). seedAudit appends
// audit events that continue the hash chain with the service's own hash function, so audit/verify stays ok.
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { ROOT } from './common.mjs';

const require = createRequire(import.meta.url);

/** Opens a PGlite data directory the way the service does (DATA_DIR/pgdata); returns { query, close }. */
export async function openPglite(dataDir) {
  const { PGlite } = await import('@electric-sql/pglite');
  const db = new PGlite({ dataDir: join(dataDir, 'pgdata') });
  await db.waitReady;
  return { query: (sql, params) => db.query(sql, params), close: () => db.close() };
}

/** Wraps a pg client as { query, close }. */
export function pgRunner(client) {
  return { query: (sql, params) => client.query(sql, params), close: () => client.end() };
}

/**
 * Inserts clusters `${prefix}${0..count-1}` (no versions). Returns their names.
 */
export async function seedClusters(db, prefix, count, createdBy = 'bench-seed') {
  await db.query(
    `INSERT INTO clusters (id, name, resource_group, node_pools, created_by, created_at, updated_at)
     SELECT gen_random_uuid(), $1 || g, 'rg-bench', '[]'::jsonb, $2, now(), now() FROM generate_series(0, $3::int - 1) g`,
    [prefix, createdBy, count],
  );
  return Array.from({ length: count }, (_, i) => `${prefix}${i}`);
}

/**
 * Gives cluster `name` `count` versions numbered 1..count: all superseded except the newest, approved; each with
 * one approval. `sample` is a version as the API returned it (config, findings, certificates), used as a template;
 * every seeded config differs by one noProxy entry so the content hashes differ.
 */
export async function seedHistory(db, name, count, sample) {
  const { rows } = await db.query('SELECT id FROM clusters WHERE name = $1', [name]);
  if (!rows.length) throw new Error(`no cluster ${name} to seed`);
  const clusterId = rows[0].id;
  await db.query(
    `INSERT INTO config_versions (id, cluster_id, version, status, config, submitted, content_hash, findings, certificates, reason,
        change_ticket, submitted_by, submitted_at, required_approvals, approved_at, closed_at)
     SELECT gen_random_uuid(), $1::uuid, g,
        (CASE WHEN g = $2::int THEN 'approved' ELSE 'superseded' END)::"VersionStatus",
        jsonb_set($3::jsonb, '{noProxy}', ($3::jsonb -> 'noProxy') || to_jsonb('seed-' || g || '.corp.example')),
        jsonb_set($3::jsonb, '{noProxy}', ($3::jsonb -> 'noProxy') || to_jsonb('seed-' || g || '.corp.example')),
        encode(sha256(('seed-' || g)::bytea), 'hex'), $4::jsonb, $5::jsonb, 'seeded change ' || g, 'CHG' || lpad(g::text, 7, '0'),
        'bench-submitter', now() - make_interval(mins => $2::int - g), 1,
        now() - make_interval(mins => $2::int - g) + interval '5 minutes',
        CASE WHEN g = $2::int THEN NULL ELSE now() - make_interval(mins => $2::int - g - 1) END
     FROM generate_series(1, $2::int) g`,
    [clusterId, count, JSON.stringify(sample.config), JSON.stringify(sample.findings), JSON.stringify(sample.certificates)],
  );
  await db.query(
    `INSERT INTO decisions (id, version_id, actor, decision, comment, at)
     SELECT gen_random_uuid(), v.id, 'bench-approver', 'approve', 'seeded approval', v.approved_at
     FROM config_versions v WHERE v.cluster_id = $1::uuid`,
    [clusterId],
  );
  await db.query('UPDATE clusters SET last_version = $2, revision = revision + $2 WHERE id = $1::uuid', [clusterId, count]);
  await db.query('ANALYZE');
}

/**
 * Appends `count` config.submitted events for cluster `name` (versions 1..count) to the audit trail, continuing the
 * hash chain from its head with the service's own hash function (dist/domain/audit-chain.js), in batches.
 */
export async function seedAudit(db, name, count) {
  const { auditEventHash } = require(join(ROOT, 'dist/domain/audit-chain.js'));
  const { rows } = await db.query('SELECT seq, hash FROM audit_head WHERE id = 1');
  let { seq, hash } = rows[0];
  const firstSeq = seq + 1;
  const start = Date.now() - count * 60_000;
  const BATCH = 2_000;
  for (let done = 0; done < count; done += BATCH) {
    const cols = { seq: [], at: [], details: [], prev: [], hash: [], version: [] };
    for (let i = done; i < Math.min(count, done + BATCH); i++) {
      const event = {
        seq: seq + 1,
        at: new Date(start + i * 60_000).toISOString(),
        actor: 'bench-submitter',
        via: null,
        action: 'config.submitted',
        cluster: name,
        version: i + 1,
        requestId: null,
        details: { reason: `seeded change ${i + 1}`, changeTicket: `CHG${String(i + 1).padStart(7, '0')}` },
      };
      const next = auditEventHash(hash, event);
      cols.seq.push(event.seq);
      cols.at.push(event.at);
      cols.details.push(JSON.stringify(event.details));
      cols.prev.push(hash);
      cols.hash.push(next);
      cols.version.push(event.version);
      seq = event.seq;
      hash = next;
    }
    await db.query(
      `INSERT INTO audit_events (seq, at, actor, via, action, cluster, version, request_id, details, prev_hash, hash)
       SELECT s, a::timestamptz, 'bench-submitter', NULL, 'config.submitted', $7, v, NULL, d::jsonb, p, h
       FROM unnest($1::int[], $2::text[], $3::text[], $4::text[], $5::text[], $6::int[]) AS t(s, a, d, p, h, v)`,
      [cols.seq, cols.at, cols.details, cols.prev, cols.hash, cols.version, name],
    );
  }
  await db.query('UPDATE audit_head SET seq = $1, hash = $2 WHERE id = 1', [seq, hash]);
  await db.query('ANALYZE audit_events');
  return { firstSeq, lastSeq: seq };
}
