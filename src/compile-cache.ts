import { enableCompileCache } from 'node:module';

// Node 22+: keep V8's compiled code of the modules loaded at start-up (Nest, Prisma, PGlite's JS) on disk (in the
// system's temp directory), so a restart skips most of the JavaScript compilation. Imported first by main.ts, so
// that it applies to everything main.ts loads. Best effort: a read-only temp directory just means no cache.
try {
  enableCompileCache?.();
} catch {
  // no cache
}
