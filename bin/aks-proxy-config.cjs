#!/usr/bin/env node
'use strict';
// The `aks-proxy-config` command (package.json "bin"): runs dist/cli/main.js, the compiled src/cli/main.ts.
// In a fresh clone, where nothing is built yet, it first compiles the CLI (only src/cli and the src/domain files it
// imports, with tsconfig.cli.json: a few seconds, once). After pulling changes, `npm run build` (or
// `npm run build:cli`) brings dist/ up to date; this launcher does not compare sources with dist/.
// Plain ES5-level code, so that even an old Node.js gets as far as the version check in main.js.
var path = require('path');
var fs = require('fs');
var root = path.join(__dirname, '..');
var main = path.join(root, 'dist', 'cli', 'main.js');

if (!fs.existsSync(main)) {
  var tsc;
  try {
    tsc = require.resolve('typescript/bin/tsc', { paths: [root] });
  } catch (e) {
    process.stderr.write('aks-proxy-config is not built (no dist/cli/main.js) and TypeScript is not installed: run npm ci && npm run build.\n');
    process.exit(2);
  }
  process.stderr.write('aks-proxy-config: first run, compiling the CLI (tsc -p tsconfig.cli.json)...\n');
  var built = require('child_process').spawnSync(process.execPath, [tsc, '-p', path.join(root, 'tsconfig.cli.json')], {
    cwd: root,
    stdio: ['ignore', 2, 2],
  });
  if (built.status !== 0 || !fs.existsSync(main)) {
    process.stderr.write('aks-proxy-config: the build failed; run npm run build to see why.\n');
    process.exit(2);
  }
}

require(main);
