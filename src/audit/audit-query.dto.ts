import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, IsString, MaxLength } from 'class-validator';
import type { AuditAction } from './audit.service';
import { IsRfc3339, IsStorableText } from '../common/text.validators';
import { ClusterNameCase } from '../common/cluster-name';
import { PageQueryDto } from '../http/pagination';

/** Every audit action API.md names (the `action` filter accepts these and nothing else). */
export const AUDIT_ACTIONS = [
  'cluster.created',
  'cluster.updated',
  'config.submitted',
  'config.decided',
  'config.approved',
  'config.rejected',
  'config.withdrawn',
  'config.superseded',
  'config.rendered',
  'apikey.created',
  'apikey.revoked',
  'cluster.observed',
  'person.updated',
  'webhook.created',
  'webhook.updated',
  'webhook.deleted',
] as const;

// Type check: every action the service writes is one the filter accepts (add new ones to AUDIT_ACTIONS).
const everyActionFilterable: Exclude<AuditAction, (typeof AUDIT_ACTIONS)[number]> extends never ? true : never = true;
void everyActionFilterable;

export class AuditQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ description: 'Cluster name (case-insensitive)' })
  @IsOptional()
  @ClusterNameCase()
  @IsString()
  @IsStorableText()
  @MaxLength(63)
  cluster?: string;

  @ApiPropertyOptional({ description: 'Actor (the person, or the key name)' })
  @IsOptional()
  @IsString()
  @IsStorableText()
  @MaxLength(128)
  actor?: string;

  @ApiPropertyOptional({ description: 'Action, e.g. config.approved', enum: AUDIT_ACTIONS })
  @IsOptional()
  @IsIn(AUDIT_ACTIONS, { message: `action must be one of ${AUDIT_ACTIONS.join(', ')}` })
  action?: (typeof AUDIT_ACTIONS)[number];

  @ApiPropertyOptional({ description: 'Events at or after this RFC 3339 time' })
  @IsOptional()
  @IsRfc3339()
  since?: string;

  @ApiPropertyOptional({ description: 'Events before this RFC 3339 time' })
  @IsOptional()
  @IsRfc3339()
  until?: string;
}
