import { Injectable } from '@nestjs/common';
import type { Tx } from '../database/database.service';
import type { DecisionRecord } from './records';

/** The `decisions` table (read with their version through VersionsRepository). */
@Injectable()
export class DecisionsRepository {
  forVersion(tx: Tx, versionId: string): Promise<DecisionRecord[]> {
    return tx.decision.findMany({ where: { versionId } });
  }
}
