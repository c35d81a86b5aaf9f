import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import type { ConfigDiff, JsonPatchOperation, ProxyUrlChange } from '../domain/diff';
import { CertificateResponse, FindingResponse, ProxyConfigResponse } from '../common/domain.responses';
import type { DecisionView, VersionView } from './version.view';

/** The statuses of a version, in one place for the API document. */
export const VERSION_STATUSES = ['pending', 'approved', 'rejected', 'withdrawn', 'superseded'] as const;

export class DecisionResponse implements DecisionView {
  @ApiProperty() actor!: string;
  @ApiProperty({ type: String, nullable: true, description: 'The bot key that decided for the person' }) via!: string | null;
  @ApiProperty({ enum: ['approve', 'reject'] }) decision!: 'approve' | 'reject';
  @ApiProperty() comment!: string;
  @ApiProperty({ format: 'date-time' }) at!: string;
}

export class VersionResponse implements VersionView {
  @ApiProperty() cluster!: string;
  @ApiProperty({ type: 'integer' }) version!: number;
  @ApiProperty({ enum: VERSION_STATUSES }) status!: string;
  @ApiProperty({ type: ProxyConfigResponse }) config!: ProxyConfigResponse;
  @ApiProperty({ description: 'sha256 hex of the canonical config' }) contentHash!: string;
  @ApiProperty({ type: [FindingResponse] }) findings!: FindingResponse[];
  @ApiProperty({ type: [CertificateResponse] }) certificates!: CertificateResponse[];
  @ApiProperty() reason!: string;
  @ApiProperty({ type: String, nullable: true }) changeTicket!: string | null;
  @ApiProperty({ description: 'The person responsible (the X-Acting-For user when a bot submitted)' }) submittedBy!: string;
  @ApiProperty({ type: String, nullable: true, description: 'The bot key that submitted for the person' }) submittedVia!: string | null;
  @ApiProperty({ format: 'date-time' }) submittedAt!: string;
  @ApiProperty({ type: 'integer' }) requiredApprovals!: number;
  @ApiProperty({ type: 'integer', nullable: true }) revertOf!: number | null;
  @ApiProperty({ type: [DecisionResponse] }) decisions!: DecisionResponse[];
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) approvedAt!: string | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) closedAt!: string | null;
  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    description: 'The config document as it was sent (private-key material removed): every finding pointer resolves against it',
  })
  submitted!: unknown;
}

export class JsonPatchOperationResponse {
  @ApiProperty({ enum: ['add', 'remove', 'replace'] }) op!: JsonPatchOperation['op'];
  @ApiProperty({ description: 'RFC 6901 pointer' }) path!: string;
  @ApiPropertyOptional({
    description: 'The new value (add, replace): a string, a list of strings or a whole config',
    oneOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' } }, { type: 'object' }],
  })
  value?: unknown;
}

export class NoProxyChangeResponse {
  @ApiProperty({ type: [String] }) added!: string[];
  @ApiProperty({ type: [String] }) removed!: string[];
}

export class TrustedCaChangeResponse {
  @ApiProperty({ type: [CertificateResponse] }) added!: CertificateResponse[];
  @ApiProperty({ type: [CertificateResponse] }) removed!: CertificateResponse[];
}

export class ProxyUrlChangeResponse implements ProxyUrlChange {
  @ApiProperty({ enum: ['httpProxy', 'httpsProxy'] }) field!: ProxyUrlChange['field'];
  @ApiProperty({ type: String, nullable: true }) from!: string | null;
  @ApiProperty({ type: String, nullable: true }) to!: string | null;
}

export class DiffResponse implements ConfigDiff {
  @ApiProperty({ type: 'integer', nullable: true, description: 'The version compared against, or null (an empty config)' }) from!: number | null;
  @ApiProperty({ type: 'integer' }) to!: number;
  @ApiProperty() changed!: boolean;
  @ApiProperty({ type: [JsonPatchOperationResponse], description: 'RFC 6902 operations turning the "from" config into the "to" config' })
  changes!: JsonPatchOperation[];
  @ApiProperty({ type: NoProxyChangeResponse }) noProxy!: NoProxyChangeResponse;
  @ApiProperty({ type: TrustedCaChangeResponse }) trustedCa!: TrustedCaChangeResponse;
  @ApiProperty({ type: [FindingResponse] }) impact!: FindingResponse[];
  @ApiProperty({ type: [ProxyUrlChangeResponse], description: 'The proxy URL fields that differ, in canonical field order' })
  proxies!: ProxyUrlChangeResponse[];
  @ApiProperty({
    description: 'Whether the proxy endpoints (host and port of HTTP_PROXY and HTTPS_PROXY) differ, a first config included; with the Istio add-on the ServiceEntry must change first',
  })
  proxyEndpointChanged!: boolean;
  @ApiProperty({ description: 'One line for humans' }) summary!: string;
}
