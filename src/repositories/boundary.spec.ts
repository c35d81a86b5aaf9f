import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const SRC = join(__dirname, '..');
/** Only these folders may talk to the Prisma client: the repositories (queries) and the database (connection, migrations). */
const ALLOWED = ['repositories/', 'database/', 'generated/'];
/**
 * A Prisma client call: a model delegate (`.cluster.findUnique(`, `tx.apiKey.create(`), a raw query or a
 * transaction (`$queryRaw`, `$executeRaw`, `$transaction`), or the client itself (`.prisma.`).
 */
const MODELS = ['cluster', 'configVersion', 'decision', 'auditEvent', 'auditHead', 'apiKey', 'idempotencyRecord', 'webhook', 'webhookEvent', 'webhookDelivery', 'webhookAttempt', 'observation', 'person'];
const CLIENT_CALL = new RegExp(
  String.raw`\$(queryRaw|executeRaw|transaction)|\.prisma\b(?!')|\b\w+\.(${MODELS.join('|')})\.(find\w*|create\w*|update\w*|upsert|delete\w*|count|aggregate|groupBy)\(`,
);

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sources(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.spec.ts') ? [path] : [];
  });
}

describe('the persistence boundary', () => {
  it('has no Prisma client call outside src/repositories and src/database', () => {
    const offenders = sources(SRC)
      .map((file) => relative(SRC, file).split('\\').join('/'))
      .filter((file) => !ALLOWED.some((prefix) => file.startsWith(prefix)))
      .flatMap((file) =>
        readFileSync(join(SRC, file), 'utf8')
          .split('\n')
          .map((line, i) => ({ line, at: `${file}:${i + 1}` }))
          .filter(({ line }) => CLIENT_CALL.test(line))
          .map(({ at, line }) => `${at}: ${line.trim()}`),
      );
    expect(offenders).toEqual([]);
  });

  it('opens write transactions only in src/writes (Writes.run / Writes.idempotent)', () => {
    const offenders = sources(SRC)
      .map((file) => relative(SRC, file).split('\\').join('/'))
      .filter((file) => !file.startsWith('writes/') && !file.startsWith('database/'))
      .filter((file) => /\bdatabase\.transaction\(/.test(readFileSync(join(SRC, file), 'utf8')));
    expect(offenders).toEqual([]);
  });

  it('recognises a client call when it sees one (the check itself can fail)', () => {
    for (const line of ['await tx.cluster.findUnique({ where })', 'this.database.prisma.apiKey.count()', 'tx.$queryRaw`SELECT 1`', 'prisma.$transaction(fn)']) {
      expect(CLIENT_CALL.test(line), line).toBe(true);
    }
    expect(CLIENT_CALL.test('this.clusters.getByName(name)')).toBe(false);
  });
});
