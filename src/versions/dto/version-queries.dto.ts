import { ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { ArrayMaxSize, ArrayMinSize, IsIn, IsOptional, IsString, Matches, MaxLength } from 'class-validator';
import { PageQueryDto } from '../../http/pagination';
import { RENDER_FORMATS, type RenderFormat } from '../../domain/render';

export const VERSION_STATUSES = ['pending', 'approved', 'rejected', 'withdrawn', 'superseded'] as const;

export class HistoryQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ enum: VERSION_STATUSES })
  @IsOptional()
  @IsIn(VERSION_STATUSES)
  status?: (typeof VERSION_STATUSES)[number];
}

export class DiffQueryDto {
  @ApiPropertyOptional({ description: 'A version number, current or previous (default: current, else previous)' })
  @IsOptional()
  @Matches(/^([1-9]\d{0,8}|current|previous)$/, { message: 'against must be a version number, current or previous' })
  against?: string;

  @ApiPropertyOptional({ enum: ['json', 'markdown'] })
  @IsOptional()
  @IsIn(['json', 'markdown'])
  format?: 'json' | 'markdown';
}

export class RenderQueryDto {
  @ApiPropertyOptional({ enum: RENDER_FORMATS, default: 'cli' })
  @IsOptional()
  @IsIn(RENDER_FORMATS, { message: `format must be one of ${RENDER_FORMATS.join(', ')}` })
  format?: RenderFormat;
}

export class ExplainVersionQueryDto {
  @ApiPropertyOptional({ description: 'URL to explain (repeatable)', type: [String] })
  @Transform(({ value }) => (value === undefined ? undefined : Array.isArray(value) ? value : [value]))
  @ArrayMinSize(1, { message: 'give at least one url' })
  @ArrayMaxSize(50)
  @IsString({ each: true })
  @MaxLength(2048, { each: true })
  url!: string[];

  @ApiPropertyOptional({ enum: ['json', 'markdown'] })
  @IsOptional()
  @IsIn(['json', 'markdown'])
  format?: 'json' | 'markdown';
}
