import { registerDecorator, type ValidationOptions } from 'class-validator';

/**
 * RFC 3339 date-time (`2026-12-01T19:31:13Z`, `...T19:31:13.5+01:00`), the only time format of the API. Stricter than
 * ISO 8601, whose week dates, ordinal dates and basic format `new Date()` cannot read; and the date must exist.
 */
const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?(?:[Zz]|[+-]\d{2}:\d{2})$/;

export function isRfc3339(value: unknown): value is string {
  if (typeof value !== 'string' || !RFC3339.test(value) || Number.isNaN(Date.parse(value.toUpperCase()))) return false;
  // Date.parse rolls 2026-02-30 over into March: the calendar date must exist as written.
  const [year, month, day] = value.slice(0, 10).split('-').map(Number);
  // setUTCFullYear, not Date.UTC: Date.UTC reads the years 0-99 as 1900-1999.
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day);
  return date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
}

/** The Date of an RFC 3339 date-time that passed isRfc3339 (lower-case `t` and `z` allowed, as RFC 3339 does). */
export function parseRfc3339(value: string): Date {
  return new Date(value.toUpperCase());
}

/**
 * Text PostgreSQL can store: no NUL character (text and jsonb refuse it) and no unpaired UTF-16 surrogate (jsonb
 * refuses its escape). Any other character, newlines included, is fine.
 */
// eslint-disable-next-line no-control-regex
const UNSTORABLE = /\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

export function isStorableText(value: unknown): boolean {
  return typeof value !== 'string' || !UNSTORABLE.test(value);
}

function textRule(name: string, message: (property: string) => string, validate: (value: unknown) => boolean) {
  return (options?: ValidationOptions) => (target: object, propertyName: string) =>
    registerDecorator({
      name,
      target: target.constructor,
      propertyName,
      options: { message: message(propertyName), ...options },
      validator: { validate },
    });
}

/** class-validator: an RFC 3339 date-time. */
export const IsRfc3339 = textRule('isRfc3339', (p) => `${p} must be an RFC 3339 time such as 2026-12-01T09:30:00Z`, isRfc3339);

/** class-validator: text without NUL characters or unpaired surrogates (see isStorableText). */
export const IsStorableText = textRule(
  'isStorableText',
  (p) => `${p} must not contain NUL characters or unpaired UTF-16 surrogates`,
  isStorableText,
);
