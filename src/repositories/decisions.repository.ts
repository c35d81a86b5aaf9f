import { Injectable } from '@nestjs/common';
import type { Tx } from '../database/database.service';
import type { DecisionRecord } from './records';

export type NewDecision = Omit<DecisionRecord, 'id'>;

/** The `decisions` table (read with their version through VersionsRepository). */
@Injectable()
export class DecisionsRepository {
  forVersion(tx: Tx, versionId: string): Promise<DecisionRecord[]> {
    return tx.decision.findMany({ where: { versionId } });
  }

  create(tx: Tx, decision: NewDecision): Promise<DecisionRecord> {
    return tx.decision.create({ data: decision });
  }
}
