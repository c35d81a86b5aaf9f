import { ApiProperty } from '@nestjs/swagger';
import { DeploymentResponse } from '../clusters/deployment.response';
import { FindingResponse } from '../common/domain.responses';
import type { Finding } from '../domain/proxy-config';
import type { ObservationRecord } from '../repositories/deployment.repository';

export class ObservationResponse extends DeploymentResponse {
  @ApiProperty({
    type: [FindingResponse],
    description: 'One DRIFT finding per difference; pointer into the approved config, or /noProxy, /trustedCa for what only the cluster holds',
  })
  differences!: Finding[];
  @ApiProperty({ description: 'Who posted the observation' }) observedBy!: string;
  @ApiProperty({ type: 'string', nullable: true, description: 'The bot key that acted for observedBy, else null' }) observedVia!: string | null;
  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    description:
      'What was compared: httpProxy, httpsProxy, noProxy (without the entries AKS adds), aksAdded, certificates (subject, sha256Fingerprint, notAfter), enabled, provisioningState; never the trustedCa text',
  })
  observed!: Record<string, unknown>;
}

export const observationResponse = (o: ObservationRecord): ObservationResponse => ({
  state: o.state,
  version: o.version,
  observedAt: o.observedAt.toISOString(),
  differences: o.differences,
  observedBy: o.observedBy,
  observedVia: o.observedVia,
  observed: o.observed,
});
