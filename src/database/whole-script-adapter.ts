import type { SqlDriverAdapter, SqlMigrationAwareDriverAdapterFactory } from '@prisma/driver-adapter-utils';

interface PgAdapterInternals {
  client?: { query(sql: string): Promise<unknown> };
  onError?(error: unknown): never;
}

function sendScriptWhole(adapter: SqlDriverAdapter): SqlDriverAdapter {
  const internals = adapter as unknown as PgAdapterInternals;
  if (typeof internals.client?.query !== 'function') return adapter;
  const client = internals.client;
  adapter.executeScript = async (script: string) => {
    try {
      // One simple-protocol query: PostgreSQL runs the statements in one implicit transaction.
      await client.query(script);
    } catch (error) {
      if (internals.onError) internals.onError.call(adapter, error);
      throw error;
    }
  };
  return adapter;
}

/**
 * @prisma/adapter-pg runs a migration script by splitting it on ";" and sending the pieces one by one, which
 * breaks dollar-quoted function bodies (our audit trigger) and leaves a half-applied migration when a piece fails.
 * This wrapper sends each script as one query instead: all of it applies, or none of it, as with the native engine.
 */
export function wholeScriptMigrations(factory: SqlMigrationAwareDriverAdapterFactory): SqlMigrationAwareDriverAdapterFactory {
  return {
    provider: factory.provider,
    adapterName: factory.adapterName,
    connect: async () => sendScriptWhole(await factory.connect()),
    connectToShadowDb: async () => sendScriptWhole(await factory.connectToShadowDb()),
  };
}
