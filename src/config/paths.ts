import { join, resolve } from 'node:path';

/** The project root: two levels up from src/config (tests) or dist/config (compiled). */
export const PROJECT_ROOT = resolve(__dirname, '..', '..');
export const PRISMA_DIR = join(PROJECT_ROOT, 'prisma');
export const MIGRATIONS_DIR = join(PRISMA_DIR, 'migrations');
export const SCHEMA_PATH = join(PRISMA_DIR, 'schema.prisma');
