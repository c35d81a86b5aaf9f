import { Injectable } from '@nestjs/common';
import { DatabaseService } from '../database/database.service';
import type { CertificateDescription } from '../domain/proxy-config';

/** A certificate of a cluster's current version. */
export interface CurrentCertificate {
  cluster: string;
  version: number;
  certificate: CertificateDescription;
}

/** Queries across all clusters: the fleet CA report and the gauges /metrics computes at scrape time. */
@Injectable()
export class FleetRepository {
  constructor(private readonly database: DatabaseService) {}

  /** Every certificate of every cluster's current (approved) version. */
  async currentCertificates(): Promise<CurrentCertificate[]> {
    const rows = await this.database.prisma.configVersion.findMany({
      where: { status: 'approved' },
      select: { version: true, certificates: true, cluster: { select: { name: true } } },
    });
    const out: CurrentCertificate[] = [];
    for (const row of rows) {
      for (const certificate of (row.certificates as unknown as CertificateDescription[]) ?? []) {
        out.push({ cluster: row.cluster.name, version: row.version, certificate });
      }
    }
    return out;
  }

  /** The earliest notAfter of each cluster's current CA bundle (clusters whose current version has certificates). */
  async earliestCaExpiry(): Promise<{ cluster: string; notAfter: Date }[]> {
    const rows = await this.database.prisma.$queryRaw<{ cluster: string; not_after: Date | string }[]>`
      SELECT c.name AS cluster, MIN((cert->>'notAfter')::timestamptz) AS not_after
      FROM config_versions v
      JOIN clusters c ON c.id = v.cluster_id
      CROSS JOIN LATERAL jsonb_array_elements(v.certificates) AS cert
      WHERE v.status = 'approved'
      GROUP BY c.name`;
    return rows.map((r) => ({ cluster: r.cluster, notAfter: new Date(r.not_after) }));
  }

  /** How many versions wait for decisions, and when the oldest of them was submitted. */
  async pending(): Promise<{ count: number; oldestSubmittedAt: Date | null }> {
    const rows = await this.database.prisma.$queryRaw<{ count: bigint | number; oldest: Date | string | null }[]>`
      SELECT COUNT(*) AS count, MIN(submitted_at) AS oldest FROM config_versions WHERE status = 'pending'`;
    const row = rows[0];
    return { count: Number(row?.count ?? 0), oldestSubmittedAt: row?.oldest ? new Date(row.oldest) : null };
  }
}
