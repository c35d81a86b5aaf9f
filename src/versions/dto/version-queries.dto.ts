import { ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { ArrayMaxSize, ArrayMinSize, IsIn, IsOptional, IsString, Matches, MaxLength } from 'class-validator';
import { PageQueryDto } from '../../http/pagination';
import { RENDER_FORMATS, type RenderFormat } from '../../domain/render';
import { MARKDOWN_FORMATS, type MarkdownFormat } from '../../http/markdown';

export const VERSION_STATUSES = ['pending', 'approved', 'rejected', 'withdrawn', 'superseded'] as const;

export class HistoryQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ enum: VERSION_STATUSES })
  @IsOptional()
  @IsIn(VERSION_STATUSES, { message: `status must be one of ${VERSION_STATUSES.join(', ')}` })
  status?: (typeof VERSION_STATUSES)[number];
}

export class DiffQueryDto {
  @ApiPropertyOptional({ description: 'A version number, current or previous (default: current, else previous)' })
  @IsOptional()
  @Matches(/^([1-9]\d{0,8}|current|previous)$/, { message: 'against must be a version number, current or previous' })
  against?: string;

  @ApiPropertyOptional({ enum: MARKDOWN_FORMATS, description: 'markdown: the same as Markdown for chat (or send Accept: text/markdown)' })
  @IsOptional()
  @IsIn(MARKDOWN_FORMATS, { message: 'format must be json or markdown' })
  format?: MarkdownFormat;
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

  @ApiPropertyOptional({ enum: MARKDOWN_FORMATS, description: 'markdown: the same as Markdown for chat (or send Accept: text/markdown)' })
  @IsOptional()
  @IsIn(MARKDOWN_FORMATS, { message: 'format must be json or markdown' })
  format?: MarkdownFormat;
}

/** POST /v1/explain takes only the Markdown switch in its query. */
export class ExplainQueryDto {
  @ApiPropertyOptional({ enum: MARKDOWN_FORMATS, description: 'markdown: the answer as Markdown for chat (or send Accept: text/markdown)' })
  @IsOptional()
  @IsIn(MARKDOWN_FORMATS, { message: 'format must be json or markdown' })
  format?: MarkdownFormat;
}
