import { describe, expect, it } from 'vitest';
import { preparedStatementNames } from './prepared-statements';

describe('preparedStatementNames', () => {
  it('names a statement marked /* prepared */ by its text, and no other', () => {
    const nameOf = preparedStatementNames();
    const marked = '/* prepared */ SELECT * FROM clusters WHERE name = $1 FOR UPDATE';
    const name = nameOf({ sql: marked });
    expect(name).toMatch(/^p_[0-9a-f]{40}$/);
    expect(nameOf({ sql: `${marked}` })).toBe(name);
    expect(nameOf({ sql: `\n      ${marked}` })).not.toBe(name);
    expect(nameOf({ sql: '/* prepared */ SELECT 2' })).not.toBe(name);
    expect(nameOf({ sql: 'SELECT * FROM audit_events WHERE cluster = $1' })).toBeUndefined();
    expect(nameOf({ sql: 'SELECT 1 /* prepared */' })).toBeUndefined();
  });

  it('names at most `limit` distinct texts (no connection holds more prepared statements), and keeps the ones it named', () => {
    const nameOf = preparedStatementNames(2);
    const a = nameOf({ sql: '/* prepared */ SELECT 1' });
    const b = nameOf({ sql: '/* prepared */ SELECT 2' });
    expect(a).toBeDefined();
    expect(b).toBeDefined();
    expect(nameOf({ sql: '/* prepared */ SELECT 3' })).toBeUndefined();
    expect(nameOf({ sql: '/* prepared */ SELECT 1' })).toBe(a);
  });
});
