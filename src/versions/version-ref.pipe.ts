import { Injectable, type PipeTransform } from '@nestjs/common';
import { ApiParam } from '@nestjs/swagger';
import { badRequest } from '../common/service-error';

export type VersionRef = number | 'current' | 'latest';

/** A version number as a path segment: 1 to 999,999,999, no leading zero. */
const VERSION_NUMBER = /^[1-9]\d{0,8}$/;

/** The version a `{v}` path segment names, or null when it names none. */
export function versionRefOf(value: string): VersionRef | null {
  if (value === 'current' || value === 'latest') return value;
  return VERSION_NUMBER.test(value) ? Number(value) : null;
}

/** `{v}` in a path: a version number, `current` (newest approved) or `latest` (newest of any status). */
@Injectable()
export class VersionRefPipe implements PipeTransform<string, VersionRef> {
  transform(value: string): VersionRef {
    const ref = versionRefOf(value);
    if (ref !== null) return ref;
    throw badRequest(`"${value.slice(0, 40)}" is not a version: use a number, current or latest.`);
  }
}

/** `{v}` as the OpenAPI document describes it, on every route that takes one (VersionRefPipe parses it). */
export const ApiVersionParam = () =>
  ApiParam({
    name: 'v',
    description: 'A version number, current (the newest approved) or latest (the newest of any status)',
    schema: { type: 'string', pattern: '^(?:[1-9][0-9]{0,8}|current|latest)$', example: 'latest' },
  });
