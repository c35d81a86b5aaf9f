import { ApiProperty } from '@nestjs/swagger';
import { DeploymentResponse } from '../clusters/deployment.response';
import type { Finding } from '../domain/proxy-config';
import type { ObservationRecord } from '../repositories/deployment.repository';

export class FindingResponse {
  @ApiProperty({ example: 'DRIFT' }) code!: string;
  @ApiProperty({ enum: ['error', 'warning', 'info'] }) severity!: string;
  @ApiProperty({ description: 'RFC 6901 pointer into the approved config, or /noProxy, /trustedCa, ""' }) pointer!: string;
  @ApiProperty() message!: string;
}

export class ObservationResponse extends DeploymentResponse {
  @ApiProperty({ type: [FindingResponse], description: 'One DRIFT finding per difference' }) differences!: Finding[];
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

export class ObservationPageResponse {
  @ApiProperty({ type: [ObservationResponse] }) items!: ObservationResponse[];
  @ApiProperty({ type: 'string', nullable: true }) nextCursor!: string | null;
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
