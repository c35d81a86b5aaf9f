import { describe, expect, it } from 'vitest';
import { isRfc3339, parseRfc3339 } from './text.validators';

describe('isRfc3339', () => {
  it('accepts RFC 3339 date-times, lower-case t and z included, in any year 0000-9999', () => {
    for (const t of ['2026-12-01T19:31:13Z', '2026-12-01t19:31:13.5+01:00', '0001-01-01T00:00:00Z', '0099-12-31T23:59:59z', '9999-12-31T23:59:59Z', '2028-02-29T00:00:00Z']) {
      expect(isRfc3339(t), t).toBe(true);
    }
    expect(parseRfc3339('0001-01-01T00:00:00Z').getUTCFullYear()).toBe(1);
  });

  it('refuses dates that do not exist and other formats', () => {
    for (const t of ['2026-02-30T00:00:00Z', '0001-02-29T00:00:00Z', '2026-12-01', '2026-12-01T19:31:13', '2026-W49-2T00:00:00Z', 'tomorrow', 12]) {
      expect(isRfc3339(t), String(t)).toBe(false);
    }
  });
});
