import { Injectable } from '@nestjs/common';
import { DatabaseService, type Tx } from '../database/database.service';
import type { DeploymentState } from '../domain/observation';
import type { Finding } from '../domain/proxy-config';
import type { Observation, Prisma } from '../generated/prisma/client';

/** An observation as the domain and the API see it (JSON columns typed once, here). */
export interface ObservationRecord {
  id: string;
  seq: number;
  state: DeploymentState;
  version: number | null;
  observedAt: Date;
  observedBy: string;
  observedVia: string | null;
  differences: Finding[];
  observed: Record<string, unknown>;
  requestId: string | null;
}

/** An observation to write: the cluster it is of, and all but what the database assigns (id, seq). */
export type NewObservation = Omit<ObservationRecord, 'id' | 'seq'> & { clusterId: string };

const record = (row: Observation): ObservationRecord => ({
  id: row.id,
  seq: row.seq,
  state: row.state as DeploymentState,
  version: row.version,
  observedAt: row.observedAt,
  observedBy: row.observedBy,
  observedVia: row.observedVia,
  differences: row.differences as unknown as Finding[],
  observed: row.observed as Record<string, unknown>,
  requestId: row.requestId,
});

/** The `observations` table: a cluster's deployment state, newest last. Writes take the caller's transaction. */
@Injectable()
export class DeploymentRepository {
  constructor(private readonly database: DatabaseService) {}

  private db(tx?: Tx): Tx {
    return tx ?? this.database.prisma;
  }

  /** Writes an observation in the caller's transaction. */
  async insert(tx: Tx, data: NewObservation): Promise<ObservationRecord> {
    const row = await tx.observation.create({
      data: {
        clusterId: data.clusterId,
        state: data.state,
        version: data.version,
        observedAt: data.observedAt,
        observedBy: data.observedBy,
        observedVia: data.observedVia,
        differences: data.differences as unknown as Prisma.InputJsonValue,
        observed: data.observed as Prisma.InputJsonValue,
        requestId: data.requestId,
      },
    });
    return record(row);
  }

  /** The newest observation of a cluster, or null. */
  async latest(clusterId: string, tx?: Tx): Promise<ObservationRecord | null> {
    const row = await this.db(tx).observation.findFirst({ where: { clusterId }, orderBy: { seq: 'desc' } });
    return row ? record(row) : null;
  }

  /** A page of a cluster's observations, newest first; `beforeSeq` is the seq of the last one seen. */
  async page(clusterId: string, take: number, beforeSeq?: number): Promise<ObservationRecord[]> {
    const rows = await this.database.prisma.observation.findMany({
      where: { clusterId, ...(beforeSeq !== undefined ? { seq: { lt: beforeSeq } } : {}) },
      orderBy: { seq: 'desc' },
      take,
    });
    return rows.map(record);
  }
}
