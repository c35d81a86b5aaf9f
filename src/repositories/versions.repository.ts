import { Injectable } from '@nestjs/common';
import { DatabaseService, type Tx } from '../database/database.service';
import { type Cluster, type ConfigVersion, type Decision, Prisma, type VersionStatus } from '../generated/prisma/client';
import { CLUSTER_CHANGED_CHANNEL, CLUSTER_COLUMNS, clusterNotFound } from './clusters.repository';
import { type ClusterRecord, type DiffVersionRecord, toCluster, toDiffVersion, toVersion, type DecisionRecord, type VersionRecord, type VersionWithDecisions } from './records';
import type { WriteStep } from './write-step';

/** Every column of config_versions (alias v), named as Prisma names them. */
const VERSION_COLUMNS = Prisma.sql`v.id::text AS id, v.cluster_id::text AS "clusterId", v.version, v.status::text AS status, v.config,
  v.content_hash AS "contentHash", v.findings, v.certificates, v.reason, v.change_ticket AS "changeTicket", v.submitted_by AS "submittedBy",
  v.submitted_via AS "submittedVia", v.submitted_at AS "submittedAt", v.required_approvals AS "requiredApprovals", v.revert_of AS "revertOf",
  v.approved_at AS "approvedAt", v.closed_at AS "closedAt", v.submitted`;

/** What a rendering needs, read in one statement (see forRender). */
export interface RenderSource {
  cluster: ClusterRecord;
  version: Pick<VersionRecord, 'version' | 'status' | 'approvedAt' | 'config' | 'contentHash'> | null;
  /** The config of the newest version before it that was ever approved (only when asked for). */
  precedingApproved: VersionRecord['config'] | null;
}

const refCondition = (ref: number | 'current' | 'latest') =>
  ref === 'current' ? Prisma.sql`AND v.status = 'approved'` : ref === 'latest' ? Prisma.empty : Prisma.sql`AND v.version = ${ref}::int`;

/** A version row as json_agg / row_to_json give it: its timestamps as text. */
type JsonVersionRow = Omit<ConfigVersion, 'submittedAt' | 'approvedAt' | 'closedAt'> & { submittedAt: string; approvedAt: string | null; closedAt: string | null };
type DecisionVersionRow = ConfigVersion & { decisions: (Omit<Decision, 'at'> & { at: string })[]; currentVersion: number | null };
type JsonDecisionVersionRow = JsonVersionRow & Pick<DecisionVersionRow, 'decisions' | 'currentVersion'>;

/** The row with its timestamps as Dates again. */
const withDates = <R extends JsonVersionRow>(row: R): Omit<R, 'submittedAt' | 'approvedAt' | 'closedAt'> & Pick<ConfigVersion, 'submittedAt' | 'approvedAt' | 'closedAt'> => ({
  ...row,
  submittedAt: new Date(row.submittedAt),
  approvedAt: row.approvedAt === null ? null : new Date(row.approvedAt),
  closedAt: row.closedAt === null ? null : new Date(row.closedAt),
});

/** The version `ref` of the cluster `clusterId` with its decisions and the number of the current version. */
const decisionVersionQuery = (clusterId: Prisma.Sql, ref: number | 'current' | 'latest') => Prisma.sql`
  SELECT ${VERSION_COLUMNS},
         COALESCE((SELECT json_agg(json_build_object('id', d.id, 'versionId', d.version_id, 'actor', d.actor, 'via', d.via,
                                                     'decision', d.decision, 'comment', d.comment, 'at', d.at))
                     FROM decisions d WHERE d.version_id = v.id), '[]'::json) AS decisions,
         (SELECT max(a.version) FROM config_versions a WHERE a.cluster_id = v.cluster_id AND a.status = 'approved') AS "currentVersion"
    FROM config_versions v
   WHERE v.cluster_id = ${clusterId} ${refCondition(ref)}
   ORDER BY v.version DESC LIMIT 1`;

const toDecisionVersion = (row: DecisionVersionRow): VersionForDecision => {
  const { decisions, currentVersion, ...version } = row;
  return { ...toVersion(version), decisions: decisions.map((d) => ({ ...d, at: new Date(d.at) })), currentVersion };
};

/** A version as a decision needs it: with its decisions and the number of the cluster's current version (null: none). */
export type VersionForDecision = VersionWithDecisions & { currentVersion: number | null };

/** Moves the revision (the cluster ETag) and `last_version` on and NOTIFYs the change at commit (a CTE of a WriteStep). */
const touchCluster = (clusterId: string, at: Date, lastVersion: number | null) => Prisma.sql`
  touched AS (
    UPDATE clusters SET revision = revision + 1, last_version = COALESCE(${lastVersion}::int, last_version), updated_at = ${at}::timestamptz
     WHERE id = ${clusterId}::uuid
    RETURNING pg_notify(${CLUSTER_CHANGED_CHANNEL}, name)
  )`;

const WITH_DECISIONS = { decisions: true } as const;

/** The cluster's current version: its newest approved one (API.md: "current"). */
const CURRENT = (clusterId: string) => ({ where: { clusterId, status: 'approved' }, orderBy: { version: 'desc' } }) as const;


/** The `config_versions` table. Reads default to the shared client; writes take the caller's transaction. */
@Injectable()
export class VersionsRepository {
  constructor(private readonly database: DatabaseService) {}

  async current(clusterId: string, db: Tx = this.database.prisma): Promise<VersionRecord | null> {
    const row = await db.configVersion.findFirst(CURRENT(clusterId));
    return row && toVersion(row);
  }

  async currentWithDecisions(clusterId: string, db: Tx = this.database.prisma): Promise<VersionWithDecisions | null> {
    const row = await db.configVersion.findFirst({ ...CURRENT(clusterId), include: WITH_DECISIONS });
    return row && toVersion(row);
  }

  async latest(clusterId: string, db: Tx = this.database.prisma): Promise<VersionRecord | null> {
    const row = await db.configVersion.findFirst({ where: { clusterId }, orderBy: { version: 'desc' } });
    return row && toVersion(row);
  }

  async latestWithDecisions(clusterId: string, db: Tx = this.database.prisma): Promise<VersionWithDecisions | null> {
    const row = await db.configVersion.findFirst({ where: { clusterId }, orderBy: { version: 'desc' }, include: WITH_DECISIONS });
    return row && toVersion(row);
  }

  /** The newest pending version. */
  async pending(clusterId: string, db: Tx = this.database.prisma): Promise<VersionRecord | null> {
    const row = await db.configVersion.findFirst({ where: { clusterId, status: 'pending' }, orderBy: { version: 'desc' } });
    return row && toVersion(row);
  }

  /** The current (newest approved) and newest pending versions, in one query (a cluster has at most one of each). */
  async currentAndPending(clusterId: string, db: Tx = this.database.prisma): Promise<{ current: VersionRecord | null; pending: VersionRecord | null }> {
    const rows = await this.database.rawQuery<ConfigVersion>(db, Prisma.sql`/* prepared */
      SELECT ${VERSION_COLUMNS} FROM config_versions v
       WHERE v.cluster_id = ${clusterId}::uuid AND v.status IN ('approved', 'pending') ORDER BY v.version DESC`);
    const first = (status: VersionStatus) => {
      const row = rows.find((r) => r.status === status);
      return row ? toVersion(row) : null;
    };
    return { current: first('approved'), pending: first('pending') };
  }

  /** The version just before `version`. */
  async previous(clusterId: string, version: number, db: Tx = this.database.prisma): Promise<VersionRecord | null> {
    const row = await db.configVersion.findFirst({ where: { clusterId, version: { lt: version } }, orderBy: { version: 'desc' } });
    return row && toVersion(row);
  }

  async byNumber(clusterId: string, version: number, db: Tx = this.database.prisma): Promise<VersionWithDecisions | null> {
    const row = await db.configVersion.findUnique({ where: { clusterId_version: { clusterId, version } }, include: WITH_DECISIONS });
    return row && toVersion(row);
  }

  /**
   * A version as a diff needs it, with its decisions: without the findings and the submitted document, the biggest
   * JSON columns (with a CA bundle and hundreds of noProxy entries, most of the row), which a diff never shows.
   * `at`: a version number, 'current', 'latest', or { before: n } (the version just before n).
   */
  async forDiff(clusterId: string, at: number | 'current' | 'latest' | { before: number }): Promise<DiffVersionRecord | null> {
    const where =
      typeof at === 'number'
        ? { clusterId, version: at }
        : at === 'current'
          ? CURRENT(clusterId).where
          : at === 'latest'
            ? { clusterId }
            : { clusterId, version: { lt: at.before } };
    const row = await this.database.prisma.configVersion.findFirst({
      where,
      orderBy: { version: 'desc' },
      omit: { findings: true, submitted: true },
      include: WITH_DECISIONS,
    });
    return row && toDiffVersion(row);
  }

  /** Newest first, before version `before`, `take` rows at most, optionally of one status. */
  async history(clusterId: string, status: VersionStatus | undefined, before: number | undefined, take: number): Promise<VersionWithDecisions[]> {
    const rows = await this.database.prisma.configVersion.findMany({
      where: { clusterId, status, version: before !== undefined ? { lt: before } : undefined },
      orderBy: { version: 'desc' },
      take,
      include: WITH_DECISIONS,
    });
    return rows.map((r) => toVersion(r));
  }

  /**
   * The version `ref` names (a number, the current or the latest one) with its decisions, and the number of the
   * cluster's current version, in one query.
   */
  async forDecision(clusterId: string, ref: number | 'current' | 'latest', db: Tx = this.database.prisma): Promise<VersionForDecision | null> {
    const [row] = await this.database.rawQuery<DecisionVersionRow>(db, Prisma.sql`/* prepared */ ${decisionVersionQuery(Prisma.sql`${clusterId}::uuid`, ref)}`);
    return row ? toDecisionVersion(row) : null;
  }

  /**
   * Locks the cluster row for the rest of the transaction and reads it with its current and pending versions, in
   * one statement when it can: a statement that had to wait for the lock still sees the versions as they were
   * before the writer it waited for (its snapshot is older than the row it locked), so when the revision it saw
   * differs from the locked row's, the versions are read again. 404 CLUSTER_NOT_FOUND.
   */
  async lockForSubmit(tx: Tx, clusterName: string): Promise<{ cluster: ClusterRecord; current: VersionRecord | null; pending: VersionRecord | null }> {
    const [row] = await this.database.rawQuery<(Cluster & { seenRevision: number; versions: JsonVersionRow[] | null })>(tx, Prisma.sql`/* prepared */
      SELECT ${CLUSTER_COLUMNS},
             (SELECT s.revision FROM clusters s WHERE s.id = c.id) AS "seenRevision",
             (SELECT json_agg(x) FROM (
                SELECT ${VERSION_COLUMNS} FROM config_versions v WHERE v.cluster_id = c.id AND v.status IN ('approved', 'pending')
              ) x) AS versions
        FROM clusters c WHERE c.name = ${clusterName}
         FOR UPDATE OF c`);
    if (!row) throw clusterNotFound(clusterName);
    const { seenRevision, versions, ...columns } = row;
    const cluster = toCluster(columns);
    if (seenRevision !== cluster.revision) return { cluster, ...(await this.currentAndPending(cluster.id, tx)) };
    const rows = (versions ?? []).map((v) => toVersion(withDates(v))).sort((a, b) => b.version - a.version);
    return { cluster, current: rows.find((r) => r.status === 'approved') ?? null, pending: rows.find((r) => r.status === 'pending') ?? null };
  }

  /**
   * Locks the cluster row and reads it with the version `ref` names as a decision needs it (see forDecision), in one
   * statement when it can (see lockForSubmit). 404 CLUSTER_NOT_FOUND; a null version: no such version.
   */
  async lockForDecision(tx: Tx, clusterName: string, ref: number | 'current' | 'latest'): Promise<{ cluster: ClusterRecord; version: VersionForDecision | null }> {
    const [row] = await this.database.rawQuery<(Cluster & { seenRevision: number; version: JsonDecisionVersionRow | null })>(tx, Prisma.sql`/* prepared */
      SELECT ${CLUSTER_COLUMNS},
             (SELECT s.revision FROM clusters s WHERE s.id = c.id) AS "seenRevision",
             (SELECT row_to_json(x) FROM (${decisionVersionQuery(Prisma.sql`c.id`, ref)}) x) AS version
        FROM clusters c WHERE c.name = ${clusterName}
         FOR UPDATE OF c`);
    if (!row) throw clusterNotFound(clusterName);
    const { seenRevision, version, ...columns } = row;
    const cluster = toCluster(columns);
    if (seenRevision !== cluster.revision) return { cluster, version: await this.forDecision(cluster.id, ref, tx) };
    return { cluster, version: version ? toDecisionVersion(withDates(version)) : null };
  }

  /**
   * The cluster `clusterName`, its version `ref` and, with `withPrecedingApproved`, the config of the newest version
   * before it that was ever approved, in one statement (one snapshot). Null: no such cluster.
   */
  async forRender(clusterName: string, ref: number | 'current' | 'latest', withPrecedingApproved: boolean): Promise<RenderSource | null> {
    const [row] = await this.database.prisma.$queryRaw<
      (Cluster & { vVersion: number | null; vStatus: VersionStatus; vApprovedAt: Date | null; vConfig: unknown; vContentHash: string; precedingApproved: unknown })[]
    >`/* prepared */
      SELECT ${CLUSTER_COLUMNS}, v.version AS "vVersion", v.status::text AS "vStatus", v.approved_at AS "vApprovedAt", v.config AS "vConfig",
             v.content_hash AS "vContentHash",
             CASE WHEN ${withPrecedingApproved}::boolean AND v.version IS NOT NULL THEN
               (SELECT p.config FROM config_versions p
                 WHERE p.cluster_id = c.id AND p.version < v.version AND p.approved_at IS NOT NULL ORDER BY p.version DESC LIMIT 1)
             END AS "precedingApproved"
        FROM clusters c
        LEFT JOIN LATERAL (
          SELECT * FROM config_versions v WHERE v.cluster_id = c.id ${refCondition(ref)} ORDER BY v.version DESC LIMIT 1
        ) v ON true
       WHERE c.name = ${clusterName}`;
    if (!row) return null;
    const { vVersion, vStatus, vApprovedAt, vConfig, vContentHash, precedingApproved, ...cluster } = row;
    return {
      cluster: toCluster(cluster),
      version:
        vVersion === null
          ? null
          : { version: vVersion, status: vStatus, approvedAt: vApprovedAt, config: vConfig as VersionRecord['config'], contentHash: vContentHash },
      precedingApproved: (precedingApproved ?? null) as VersionRecord['config'] | null,
    };
  }

  /**
   * A submission's changes, as a WriteStep: the older pending version (if any) superseded, the new version inserted
   * and the cluster's revision and last version moved on (with its NOTIFY).
   */
  submitStep(change: { version: Omit<VersionRecord, 'status' | 'approvedAt' | 'closedAt'>; supersede: string | null; at: Date }): WriteStep {
    const v = change.version;
    return {
      ctes: Prisma.sql`
        superseded AS (
          UPDATE config_versions SET status = 'superseded', closed_at = ${change.at}::timestamptz WHERE id = ${change.supersede}::uuid
        ),
        inserted_version AS (
          INSERT INTO config_versions (id, cluster_id, version, status, config, content_hash, findings, certificates, reason, change_ticket,
                                       submitted_by, submitted_via, submitted_at, required_approvals, revert_of, submitted)
          VALUES (${v.id}::uuid, ${v.clusterId}::uuid, ${v.version}::int, 'pending', ${JSON.stringify(v.config)}::jsonb, ${v.contentHash},
                  ${JSON.stringify(v.findings)}::jsonb, ${JSON.stringify(v.certificates)}::jsonb, ${v.reason}, ${v.changeTicket},
                  ${v.submittedBy}, ${v.submittedVia}, ${v.submittedAt}::timestamptz, ${v.requiredApprovals}::int, ${v.revertOf}::int,
                  ${JSON.stringify(v.submitted)}::jsonb)
        ),
        ${touchCluster(v.clusterId, change.at, v.version)}`,
    };
  }

  /**
   * A decision's changes, as a WriteStep: the decision inserted; on a rejection the version rejected; on the
   * approval that completes it the current version superseded and this one approved; the revision moved on (NOTIFY).
   */
  decideStep(change: { decision: DecisionRecord; clusterId: string; outcome: 'pending' | 'approved' | 'rejected'; at: Date }): WriteStep {
    const d = change.decision;
    const { outcome, at } = change;
    return {
      ctes: Prisma.sql`
        inserted_decision AS (
          INSERT INTO decisions (id, version_id, actor, via, decision, comment, at)
          VALUES (${d.id}::uuid, ${d.versionId}::uuid, ${d.actor}, ${d.via}, ${d.decision}::"DecisionKind", ${d.comment}, ${d.at}::timestamptz)
        ),
        superseded AS (
          UPDATE config_versions SET status = 'superseded', closed_at = ${at}::timestamptz
           WHERE ${outcome === 'approved'}::boolean AND cluster_id = ${change.clusterId}::uuid AND status = 'approved'
        ),
        decided AS (
          UPDATE config_versions
             SET status = ${outcome}::"VersionStatus",
                 approved_at = CASE WHEN ${outcome}::text = 'approved' THEN ${at}::timestamptz END,
                 closed_at = CASE WHEN ${outcome}::text = 'rejected' THEN ${at}::timestamptz END
           WHERE ${outcome !== 'pending'}::boolean AND id = ${d.versionId}::uuid
        ),
        ${touchCluster(change.clusterId, at, null)}`,
    };
  }

  /** Moves a version to another status, with the time it was approved or closed. */
  async setStatus(
    tx: Tx,
    id: string,
    change: { status: 'approved'; approvedAt: Date } | { status: 'rejected' | 'withdrawn' | 'superseded'; closedAt: Date },
  ): Promise<VersionWithDecisions> {
    return toVersion(await tx.configVersion.update({ where: { id }, data: change, include: WITH_DECISIONS }));
  }
}
