import { createHash } from 'node:crypto';

/**
 * A raw statement that starts with this comment runs as a named prepared statement on PostgreSQL: each pooled
 * connection parses and plans it once (PostgreSQL then reuses a generic plan), instead of at every execution. Meant for
 * the hot statements of the write and render paths (point lookups by key and the audit append, whose recursive CTE costs
 * about a millisecond to plan), not for searches whose best plan depends on the values (audit filters, lists).
 */
export const PREPARED_MARKER = '/* prepared */';
const MARKED = /^\s*\/\* prepared \*\//;

/**
 * The adapter's statementNameGenerator: a stable name (from the text) for a marked statement, none for the others.
 * At most `limit` distinct texts get a name, so no connection holds more prepared statements than that.
 */
export function preparedStatementNames(limit = 200): (query: { sql: string }) => string | undefined {
  const names = new Map<string, string>();
  return ({ sql }) => {
    if (!MARKED.test(sql)) return undefined;
    let name = names.get(sql);
    if (name === undefined) {
      if (names.size >= limit) return undefined;
      name = `p_${createHash('sha1').update(sql).digest('hex')}`;
      names.set(sql, name);
    }
    return name;
  };
}
