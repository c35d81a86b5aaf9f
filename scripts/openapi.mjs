#!/usr/bin/env node
// Generates openapi/openapi.json from the code (the same document the service serves at /openapi.json),
// written deterministically. With --check, fails when the committed file differs (CI's drift check).
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const { createApp } = require(join(root, 'dist/app.factory.js'));
const { buildOpenApiDocument } = require(join(root, 'dist/http/openapi.js'));
const { loadConfig } = require(join(root, 'dist/config/app-config.js'));
const { createLogger } = require(join(root, 'dist/logging/logger.js'));

function sortKeys(value) {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.keys(value).sort().map((k) => [k, sortKeys(value[k])]));
  }
  return value;
}

const config = loadConfig({ DATA_DIR: ':memory:', ADMIN_TOKEN: 'openapi-generation-only-token', LOG_LEVEL: 'silent', RATE_LIMIT_PER_MINUTE: '0' });
const app = await createApp({ config, logger: createLogger('silent') });
const text = JSON.stringify(sortKeys(buildOpenApiDocument(app)), null, 2) + '\n';
await app.close();

const file = join(root, 'openapi/openapi.json');
if (process.argv.includes('--check')) {
  let committed = '';
  try {
    committed = readFileSync(file, 'utf8');
  } catch {}
  if (committed !== text) {
    console.error('openapi/openapi.json is out of date: run `npm run openapi` and commit the result.');
    process.exit(1);
  }
  console.log('openapi/openapi.json matches the code.');
} else {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, text);
  console.log(`wrote ${file}`);
}
