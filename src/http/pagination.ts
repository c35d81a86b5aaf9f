import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';
import { badRequest } from '../common/service-error';
import { isRfc3339 } from '../common/text.validators';

export const DEFAULT_PAGE_SIZE = 50;
export const MAX_PAGE_SIZE = 200;

export class PageQueryDto {
  @ApiPropertyOptional({ minimum: 1, maximum: MAX_PAGE_SIZE, default: DEFAULT_PAGE_SIZE })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(MAX_PAGE_SIZE)
  limit?: number;

  @ApiPropertyOptional({ description: 'Opaque cursor from a previous page (nextCursor)' })
  @IsOptional()
  @IsString()
  @MaxLength(512)
  cursor?: string;
}

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

export function encodeCursor(position: Record<string, string | number>): string {
  return Buffer.from(JSON.stringify(position)).toString('base64url');
}

/** What a cursor field may hold: each kind is checked so that a forged cursor is a 400, never a database error. */
export type CursorField = 'int' | 'text' | 'timestamp' | 'uuid';

const INT4_MAX = 2_147_483_647;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const CURSOR_FIELD_OK: Record<CursorField, (value: unknown) => boolean> = {
  int: (v) => Number.isSafeInteger(v) && (v as number) >= 0 && (v as number) <= INT4_MAX,
  // eslint-disable-next-line no-control-regex
  text: (v) => typeof v === 'string' && v.length <= 512 && !/[\u0000-\u001f]/.test(v),
  timestamp: isRfc3339,
  uuid: (v) => typeof v === 'string' && UUID.test(v),
};

type CursorValue<K extends CursorField> = K extends 'int' ? number : string;

/** Decodes a cursor made by encodeCursor; anything else (forged, truncated, out of range) is a 400, never a 500. */
export function decodeCursor<S extends Record<string, CursorField>>(
  cursor: string | undefined,
  shape: S,
): { [K in keyof S]: CursorValue<S[K]> } | null {
  if (cursor === undefined) return null;
  let value: Record<string, unknown> | null = null;
  try {
    value = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as Record<string, unknown>;
  } catch {
    value = null;
  }
  const ok = value !== null && typeof value === 'object' && Object.entries(shape).every(([key, kind]) => CURSOR_FIELD_OK[kind](value[key]));
  if (!ok) throw badRequest('The cursor is not one this service issued; start again without it.');
  return value as { [K in keyof S]: CursorValue<S[K]> };
}

/** Keyset page: the caller fetched limit + 1 rows; the extra row says whether there is a next page. */
export function toPage<R, T>(rows: R[], limit: number, map: (row: R) => T, cursorOf: (row: R) => Record<string, string | number>): Page<T> {
  const more = rows.length > limit;
  const items = (more ? rows.slice(0, limit) : rows).map(map);
  return { items, nextCursor: more ? encodeCursor(cursorOf(rows[limit - 1])) : null };
}
