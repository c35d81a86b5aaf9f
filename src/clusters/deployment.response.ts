import { ApiProperty } from '@nestjs/swagger';
import { DEPLOYMENT_STATES, type DeploymentState } from '../domain/observation';
import type { ObservationRecord } from '../repositories/deployment.repository';

/** What a cluster holds compared with its current approved version (`deployment` on the cluster): the latest observation. */
export class DeploymentResponse {
  @ApiProperty({ enum: DEPLOYMENT_STATES }) state!: DeploymentState;
  @ApiProperty({ type: 'integer', nullable: true, description: 'The approved version compared with' }) version!: number | null;
  @ApiProperty({ format: 'date-time' }) observedAt!: string;
}

export const deploymentOf = (o: ObservationRecord | null): DeploymentResponse | null =>
  o ? { state: o.state, version: o.version, observedAt: o.observedAt.toISOString() } : null;
