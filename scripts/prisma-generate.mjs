#!/usr/bin/env node
// Runs `prisma generate` without the native schema engine, which this project never downloads:
// generate does not use that engine, but the CLI insists on finding one, so we point it at any executable.
// Skips the work when the generated client is already up to date with prisma/schema.prisma.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const schema = readFileSync(join(root, 'prisma/schema.prisma'));
const pkg = readFileSync(join(root, 'node_modules/@prisma/client/package.json'));
const stamp = createHash('sha256').update(schema).update(pkg).digest('hex');
const stampFile = join(root, 'src/generated/prisma/.schema-hash');
if (existsSync(stampFile) && readFileSync(stampFile, 'utf8') === stamp && !process.argv.includes('--force')) process.exit(0);

const result = spawnSync(process.execPath, [join(root, 'node_modules/prisma/build/index.js'), 'generate'], {
  cwd: root,
  stdio: ['ignore', 'inherit', 'inherit'],
  env: {
    ...process.env,
    PRISMA_SCHEMA_ENGINE_BINARY: process.env.PRISMA_SCHEMA_ENGINE_BINARY ?? process.execPath,
    PRISMA_HIDE_UPDATE_MESSAGE: '1',
    CHECKPOINT_DISABLE: '1',
  },
});
if (result.status !== 0) process.exit(result.status ?? 1);
writeFileSync(stampFile, stamp);
