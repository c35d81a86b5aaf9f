import { ApiProperty, ApiPropertyOptional, PartialType, OmitType } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayUnique,
  IsArray,
  IsFQDN,
  IsIn,
  IsInt,
  IsObject,
  IsOptional,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
  MinLength,
  ValidateNested,
} from 'class-validator';
import { IsOptionalNotNull } from '../../common/is-optional-not-null.decorator';
import { IsCidr } from '../../common/validators';
import { CLUSTER_NAME, ClusterNameCase } from '../../common/cluster-name';

export { CLUSTER_NAME, ClusterNameCase } from '../../common/cluster-name';

export class NodePoolDto {
  @ApiProperty({ example: 'system' })
  @IsString()
  @Matches(/^[A-Za-z0-9_-]{1,63}$/, { message: 'nodePools.name must be 1-63 letters, digits, - or _' })
  name!: string;

  @ApiProperty({ enum: ['Linux', 'Windows'] })
  @IsIn(['Linux', 'Windows'])
  osType!: 'Linux' | 'Windows';

  @ApiProperty({ enum: ['VirtualMachineScaleSets', 'AvailabilitySet'] })
  @IsIn(['VirtualMachineScaleSets', 'AvailabilitySet'])
  type!: 'VirtualMachineScaleSets' | 'AvailabilitySet';
}

export class ClusterNetworkDto {
  @ApiPropertyOptional({ example: '10.0.0.0/16' })
  @IsOptional()
  @IsCidr()
  serviceCidr?: string;

  @ApiPropertyOptional({ example: '10.244.0.0/16' })
  @IsOptional()
  @IsCidr()
  podCidr?: string;

  @ApiPropertyOptional({ type: [String], example: ['10.224.0.0/16'] })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(50)
  @IsCidr({ each: true, message: 'nodeSubnetCidrs must hold CIDRs such as 10.224.0.0/16' })
  nodeSubnetCidrs?: string[];

  @ApiPropertyOptional({ example: 'prod-weu-dns-1a2b3c.hcp.westeurope.azmk8s.io' })
  @IsOptional()
  @IsFQDN({ require_tld: false }, { message: 'apiServerFqdn must be a host name' })
  apiServerFqdn?: string;
}

export class CreateClusterDto {
  @ApiProperty({ example: 'prod-weu', pattern: CLUSTER_NAME.source, description: 'Case-insensitive; kept lower-cased' })
  @ClusterNameCase()
  @IsString()
  @Matches(CLUSTER_NAME, { message: 'name must be 1-63 letters, digits, - or _' })
  name!: string;

  @ApiProperty({ example: 'rg-prod-weu' })
  @IsString()
  @MinLength(1)
  @MaxLength(90)
  @Matches(/^[-\w.()]+$/, { message: 'resourceGroup must be 1-90 letters, digits, -, _, ., ( or )' })
  resourceGroup!: string;

  @ApiPropertyOptional({ format: 'uuid' })
  @IsOptional()
  @Matches(/^[0-9a-fA-F]{8}-(?:[0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$/, { message: 'subscriptionId must be a subscription id (a GUID)' })
  subscriptionId?: string;

  @ApiPropertyOptional({ example: 'westeurope' })
  @IsOptional()
  @IsString()
  @Matches(/^[a-z0-9]{1,40}$/, { message: 'location must be an Azure region name such as westeurope' })
  location?: string;

  @ApiPropertyOptional({ type: [NodePoolDto] })
  @IsOptionalNotNull()
  @IsArray()
  @ArrayMaxSize(100)
  @ArrayUnique((pool: NodePoolDto | null) => (typeof pool?.name === 'string' ? pool.name.toLowerCase() : pool), {
    message: 'nodePools must not name the same pool twice',
  })
  @ValidateNested({ each: true })
  @Type(() => NodePoolDto)
  nodePools?: NodePoolDto[];

  @ApiPropertyOptional({ type: ClusterNetworkDto })
  @IsOptional()
  @IsObject({ message: 'network must be an object, not an array' })
  @ValidateNested()
  @Type(() => ClusterNetworkDto)
  network?: ClusterNetworkDto;

  @ApiPropertyOptional({ minimum: 1, maximum: 5, default: 1 })
  @IsOptionalNotNull()
  @IsInt()
  @Min(1)
  @Max(5)
  requiredApprovals?: number;
}

/**
 * Every field optional; a missing one is left as it is. `null` clears subscriptionId, location and network, and is
 * refused for resourceGroup, nodePools and requiredApprovals (skipNullProperties: false keeps their validators on).
 */
export class UpdateClusterDto extends PartialType(OmitType(CreateClusterDto, ['name'] as const), { skipNullProperties: false }) {}
