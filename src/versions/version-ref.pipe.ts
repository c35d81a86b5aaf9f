import { Injectable, type PipeTransform } from '@nestjs/common';
import { badRequest } from '../common/service-error';

export type VersionRef = number | 'current' | 'latest';

/** `{v}` in a path: a version number, `current` (newest approved) or `latest` (newest of any status). */
@Injectable()
export class VersionRefPipe implements PipeTransform<string, VersionRef> {
  transform(value: string): VersionRef {
    if (value === 'current' || value === 'latest') return value;
    if (/^[1-9]\d{0,8}$/.test(value)) return Number(value);
    throw badRequest(`"${value.slice(0, 40)}" is not a version: use a number, current or latest.`);
  }
}
