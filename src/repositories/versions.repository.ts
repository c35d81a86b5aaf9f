import { Injectable } from '@nestjs/common';
import { DatabaseService, type Tx } from '../database/database.service';
import type { VersionStatus } from '../generated/prisma/client';
import { json, toVersion, type VersionRecord, type VersionWithDecisions } from './records';

const WITH_DECISIONS = { decisions: true } as const;

/** The cluster's current version: its newest approved one (API.md: "current"). */
const CURRENT = (clusterId: string) => ({ where: { clusterId, status: 'approved' }, orderBy: { version: 'desc' } }) as const;

/** A new version: every column but those the database or a later status change sets. */
export type NewVersion = Omit<VersionRecord, 'id' | 'status' | 'approvedAt' | 'closedAt'>;

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
    const rows = await db.configVersion.findMany({ where: { clusterId, status: { in: ['approved', 'pending'] } }, orderBy: { version: 'desc' } });
    const first = (status: VersionStatus) => {
      const row = rows.find((r) => r.status === status);
      return row ? toVersion(row) : null;
    };
    return { current: first('approved'), pending: first('pending') };
  }

  /** The config of the newest version below `version` that was ever approved (current, or superseded since). */
  async precedingApprovedConfig(clusterId: string, version: number, db: Tx = this.database.prisma): Promise<VersionRecord['config'] | null> {
    const row = await db.configVersion.findFirst({
      where: { clusterId, version: { lt: version }, approvedAt: { not: null } },
      orderBy: { version: 'desc' },
      select: { config: true },
    });
    return row ? (row.config as unknown as VersionRecord['config']) : null;
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

  async create(tx: Tx, version: NewVersion): Promise<VersionRecord> {
    const row = await tx.configVersion.create({
      data: {
        ...version,
        status: 'pending',
        config: json(version.config),
        findings: json(version.findings),
        certificates: json(version.certificates),
        submitted: json(version.submitted),
      },
    });
    return toVersion(row);
  }

  /** Moves a version to another status (one statement; nothing read back). */
  async markStatus(tx: Tx, id: string, change: { status: 'approved'; approvedAt: Date } | { status: 'rejected' | 'withdrawn' | 'superseded'; closedAt: Date }): Promise<void> {
    await tx.configVersion.updateMany({ where: { id }, data: change });
  }

  /** Supersedes the cluster's current (approved) version, if any, in one statement; its number, or null. */
  async supersedeCurrent(tx: Tx, clusterId: string, closedAt: Date): Promise<number | null> {
    const rows = await tx.configVersion.updateManyAndReturn({
      where: { clusterId, status: 'approved' },
      data: { status: 'superseded', closedAt },
      select: { version: true },
    });
    return rows.length ? Math.max(...rows.map((r) => r.version)) : null;
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
