import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, MaxLength } from 'class-validator';
import { IsRfc3339, IsStorableText } from '../common/text.validators';
import { ClusterNameCase } from '../common/cluster-name';
import { PageQueryDto } from '../http/pagination';

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

  @ApiPropertyOptional({ description: 'Action, e.g. config.approved' })
  @IsOptional()
  @IsString()
  @IsStorableText()
  @MaxLength(64)
  action?: string;

  @ApiPropertyOptional({ description: 'Events at or after this RFC 3339 time' })
  @IsOptional()
  @IsRfc3339()
  since?: string;

  @ApiPropertyOptional({ description: 'Events before this RFC 3339 time' })
  @IsOptional()
  @IsRfc3339()
  until?: string;
}
