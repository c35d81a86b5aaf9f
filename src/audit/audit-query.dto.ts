import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsISO8601, IsOptional, IsString, MaxLength } from 'class-validator';
import { PageQueryDto } from '../http/pagination';

export class AuditQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ description: 'Cluster name' })
  @IsOptional()
  @IsString()
  @MaxLength(63)
  cluster?: string;

  @ApiPropertyOptional({ description: 'Actor (the person, or the key name)' })
  @IsOptional()
  @IsString()
  @MaxLength(128)
  actor?: string;

  @ApiPropertyOptional({ description: 'Action, e.g. config.approved' })
  @IsOptional()
  @IsString()
  @MaxLength(64)
  action?: string;

  @ApiPropertyOptional({ description: 'Events at or after this RFC 3339 time' })
  @IsOptional()
  @IsISO8601({ strict: true })
  since?: string;

  @ApiPropertyOptional({ description: 'Events before this RFC 3339 time' })
  @IsOptional()
  @IsISO8601({ strict: true })
  until?: string;
}
