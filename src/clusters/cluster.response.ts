import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { FindingResponse } from '../common/domain.responses';
import type { ClusterAddons, ClusterNetwork, NodePool } from '../domain/proxy-config';
import type { ClusterView, VersionSummary } from './cluster.view';
import { DeploymentResponse } from './deployment.response';

export class NodePoolResponse implements NodePool {
  @ApiProperty() name!: string;
  @ApiProperty({ enum: ['Linux', 'Windows'] }) osType!: NodePool['osType'];
  @ApiProperty({ enum: ['VirtualMachineScaleSets', 'AvailabilitySet'] }) type!: NodePool['type'];
}

export class ClusterNetworkResponse implements ClusterNetwork {
  @ApiPropertyOptional() serviceCidr?: string;
  @ApiPropertyOptional() podCidr?: string;
  @ApiPropertyOptional({ type: [String] }) nodeSubnetCidrs?: string[];
  @ApiPropertyOptional() apiServerFqdn?: string;
  @ApiPropertyOptional({ type: [String], maxItems: 16, description: 'The IP addresses behind the proxy host names (for render format istio)' })
  proxyAddresses?: string[];
}

export class ClusterAddonsResponse implements ClusterAddons {
  @ApiProperty({ description: 'The Istio-based service mesh add-on: meshed pods reach the proxy only through a ServiceEntry' }) istio!: boolean;
  @ApiProperty({ description: 'The monitoring add-on: custom metrics and recommended alerts fail behind a proxy with trustedCa' }) monitoring!: boolean;
}

export class VersionSummaryResponse implements VersionSummary {
  @ApiProperty({ type: 'integer' }) version!: number;
  @ApiProperty() status!: string;
  @ApiProperty() contentHash!: string;
  @ApiProperty() submittedBy!: string;
  @ApiProperty({ format: 'date-time' }) submittedAt!: string;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) approvedAt!: string | null;
}

export class ClusterResponse implements ClusterView {
  @ApiProperty() name!: string;
  @ApiProperty() resourceGroup!: string;
  @ApiProperty({ type: String, nullable: true }) subscriptionId!: string | null;
  @ApiProperty({ type: String, nullable: true }) location!: string | null;
  @ApiProperty({ type: [NodePoolResponse] }) nodePools!: NodePoolResponse[];
  @ApiProperty({ type: ClusterNetworkResponse, nullable: true }) network!: ClusterNetworkResponse | null;
  @ApiProperty({ type: ClusterAddonsResponse }) addons!: ClusterAddonsResponse;
  @ApiProperty({ type: 'integer', minimum: 1, maximum: 5 }) requiredApprovals!: number;
  @ApiProperty({ type: 'integer', description: 'Moves on every change to the cluster or its versions; the ETag is "r<revision>"' }) revision!: number;
  @ApiProperty() createdBy!: string;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
  @ApiProperty({ format: 'date-time' }) updatedAt!: string;
  @ApiPropertyOptional({ type: VersionSummaryResponse, nullable: true, description: 'The newest approved version (not in lists)' })
  currentVersion?: VersionSummaryResponse | null;
  @ApiPropertyOptional({ type: VersionSummaryResponse, nullable: true, description: 'The newest version of any status (not in lists)' })
  latestVersion?: VersionSummaryResponse | null;
  @ApiPropertyOptional({ type: DeploymentResponse, nullable: true, description: 'The latest observation (POST .../observations), or null (not in lists)' })
  deployment?: DeploymentResponse | null;
  @ApiPropertyOptional({
    type: [FindingResponse],
    description: 'Findings that make the current approved config unusable on the cluster as it is now (a Windows or Availability Set pool added later); [] when none (not in lists)',
  })
  blockers?: FindingResponse[];
}
