import { ApiProperty, ApiPropertyOptional, PartialType, OmitType } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayUnique,
  IsArray,
  IsBoolean,
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
import { canonicalIpAddress, IsCidr, IsIpAddress } from '../../common/validators';
import { CLUSTER_NAME, ClusterNameCase } from '../../common/cluster-name';

/** At most this many proxyAddresses (API.md). */
export const MAX_PROXY_ADDRESSES = 16;

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

  @ApiPropertyOptional({
    type: [String],
    maxItems: MAX_PROXY_ADDRESSES,
    example: ['10.50.0.4', 'fd00:50::4'],
    description:
      'The IP addresses behind the proxy host names (IPv4 or IPv6 literals, no CIDR, at most 16), for the Istio ServiceEntry (render format istio); kept in canonical form',
  })
  @IsOptional()
  @IsArray({ message: 'proxyAddresses must be an array of IP addresses' })
  @ArrayMaxSize(MAX_PROXY_ADDRESSES, { message: `proxyAddresses holds at most ${MAX_PROXY_ADDRESSES} IP addresses` })
  @IsIpAddress({ each: true })
  @ArrayUnique({ message: 'proxyAddresses must not list the same IP address twice' })
  // Canonical spelling (RFC 5952 for IPv6) so duplicates are caught and renderings stay byte-identical; left as is
  // when the list is too long or an entry is no IP, for the validators above to refuse.
  @Transform(({ value }: { value: unknown }) =>
    Array.isArray(value) && value.length <= MAX_PROXY_ADDRESSES ? value.map((v: unknown) => canonicalIpAddress(v) ?? v) : value,
  )
  proxyAddresses?: string[];
}

/** The AKS add-ons the proxy rules care about. A missing one is false on create and left as it is on PATCH. */
export class ClusterAddonsDto {
  @ApiPropertyOptional({ default: false, description: 'The Istio-based service mesh add-on: meshed pods reach the proxy only through a ServiceEntry' })
  @IsOptionalNotNull()
  @IsBoolean({ message: 'istio must be true or false' })
  istio?: boolean;

  @ApiPropertyOptional({ default: false, description: 'The monitoring add-on: custom metrics and recommended alerts fail behind a proxy with trustedCa' })
  @IsOptionalNotNull()
  @IsBoolean({ message: 'monitoring must be true or false' })
  monitoring?: boolean;
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

  @ApiPropertyOptional({ type: ClusterAddonsDto, description: 'Default: both false' })
  @IsOptionalNotNull()
  @IsObject({ message: 'addons must be an object such as {"istio": true, "monitoring": false}' })
  @ValidateNested()
  @Type(() => ClusterAddonsDto)
  addons?: ClusterAddonsDto;

  @ApiPropertyOptional({ minimum: 1, maximum: 5, default: 1 })
  @IsOptionalNotNull()
  @IsInt()
  @Min(1)
  @Max(5)
  requiredApprovals?: number;
}

/**
 * Every field optional; a missing one is left as it is (in `addons` too: `{"addons": {"istio": true}}` leaves
 * monitoring as it is). `null` clears subscriptionId, location and network, and is refused for resourceGroup,
 * nodePools, addons and requiredApprovals (skipNullProperties: false keeps their validators on).
 */
export class UpdateClusterDto extends PartialType(OmitType(CreateClusterDto, ['name'] as const), { skipNullProperties: false }) {}
