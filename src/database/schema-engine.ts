import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import {
  bindMigrationAwareSqlAdapterFactory,
  type SqlMigrationAwareDriverAdapterFactory,
} from '@prisma/driver-adapter-utils';
import type * as SchemaEngineWasm from '@prisma/schema-engine-wasm';

type WasmExports = Record<string, unknown>;
type Bindings = typeof SchemaEngineWasm & { __wbg_set_wasm(exports: WasmExports): void };

/** The little of the WebAssembly global this needs (Node has it; @types/node 20 does not declare it). */
declare const WebAssembly: {
  compile(bytes: Uint8Array): Promise<object>;
  instantiate(module: object, imports: Record<string, unknown>): Promise<{ exports: WasmExports }>;
};

let bindings: Promise<Bindings> | undefined;

/**
 * Loads Prisma's WASM schema engine (the same engine `prisma migrate` uses, built for WebAssembly).
 * Node 20 cannot import a `.wasm` file as a module, so the bytes are read and instantiated here, then handed
 * to the generated bindings. The bindings keep module-level state, so this happens once per process.
 */
function loadBindings(): Promise<Bindings> {
  bindings ??= (async () => {
    const pkgDir = dirname(require.resolve('@prisma/schema-engine-wasm'));
    // The bindings are an ES module; Node 20.19+ can require() it.
    const glue = require(join(pkgDir, 'schema_engine_bg.js')) as Bindings;
    const wasm = await WebAssembly.compile(readFileSync(join(pkgDir, 'schema_engine_bg.wasm')));
    const instance = await WebAssembly.instantiate(wasm, { './schema_engine_bg.js': glue });
    glue.__wbg_set_wasm(instance.exports);
    (instance.exports.__wbindgen_start as () => void)();
    return glue;
  })();
  return bindings;
}

export type SchemaEngine = SchemaEngineWasm.SchemaEngine;

/** A schema engine that talks to the database through a Prisma driver adapter (pg or PGlite). */
export async function createSchemaEngine(
  adapterFactory: SqlMigrationAwareDriverAdapterFactory,
  schema?: { path: string; content: string },
  onLog: (line: string) => void = () => {},
): Promise<SchemaEngine> {
  const glue = await loadBindings();
  return glue.SchemaEngine.new(
    { datamodels: schema ? [[schema.path, schema.content]] : undefined },
    (line: string) => onLog(line),
    bindMigrationAwareSqlAdapterFactory(adapterFactory),
  );
}
