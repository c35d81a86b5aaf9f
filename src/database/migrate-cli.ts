/**
 * `npm run db:migrate`: applies pending migrations to the configured database (DATABASE_URL, or PGlite in
 * DATA_DIR) and exits, for deployments that migrate separately from start-up (MIGRATE_ON_START=false).
 * `npm run db:migration:create -- <name>`: writes prisma/migrations/<timestamp>_<name>/migration.sql with the
 * SQL that takes the migrations folder to prisma/schema.prisma (computed on a throw-away shadow database).
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError, loadConfig } from '../config/app-config';
import { MIGRATIONS_DIR, SCHEMA_PATH } from '../config/paths';
import { openDatabase } from './database-connection';
import { applyMigrations, diffMigrationsToSchema } from './migrator';

async function main(): Promise<void> {
  const [command = 'deploy', name] = process.argv.slice(2);
  const config = loadConfig();
  const db = await openDatabase(config.storage, { poolSize: 2 });
  const adapter = db.migrationAdapter();
  try {
    if (command === 'deploy') {
      const applied = await applyMigrations(adapter.factory);
      console.log(applied.length ? `Applied ${applied.length} migration(s): ${applied.join(', ')}` : 'Database is up to date.');
    } else if (command === 'create') {
      if (!name || !/^[a-z0-9_]+$/.test(name)) throw new ConfigError('Usage: migrate-cli create <snake_case_name>');
      const sql = await diffMigrationsToSchema(adapter.factory, { path: SCHEMA_PATH, content: readFileSync(SCHEMA_PATH, 'utf8') });
      if (!sql.trim() || /^-- This is an empty migration/.test(sql.trim())) {
        console.log('The schema matches the migrations: nothing to create.');
        return;
      }
      const stamp = new Date().toISOString().replace(/\D/g, '').slice(0, 14);
      const dir = join(MIGRATIONS_DIR, `${stamp}_${name}`);
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, 'migration.sql'), sql);
      writeFileSync(join(MIGRATIONS_DIR, 'migration_lock.toml'), 'provider = "postgresql"\n');
      console.log(`Wrote ${join(dir, 'migration.sql')}`);
    } else {
      throw new ConfigError(`Unknown command "${command}": use deploy or create <name>`);
    }
  } finally {
    await adapter.dispose();
    await db.close();
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
