#!/usr/bin/env node
// Summarizes a V8 .cpuprofile (node --cpu-prof, or BENCH_CPU_PROF=dir npm run bench): self time by area (a package
// of node_modules, a folder of dist/src, node's internals, GC, idle) and the top functions.
//   npx node scripts/cpu-profile-summary.mjs <file.cpuprofile> [top=25]
import { readFileSync } from 'node:fs';

const [file, topArg] = process.argv.slice(2);
if (!file) {
  console.error('usage: cpu-profile-summary.mjs <file.cpuprofile> [top]');
  process.exit(2);
}
const top = Number(topArg ?? 25);
const profile = JSON.parse(readFileSync(file, 'utf8'));
const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
const self = new Map();
for (let i = 0; i < profile.samples.length; i++) {
  const dt = profile.timeDeltas[i] ?? 0;
  self.set(profile.samples[i], (self.get(profile.samples[i]) ?? 0) + dt);
}

function area(node) {
  const { url, functionName } = node.callFrame;
  if (!url) return functionName.startsWith('(') ? functionName : '(native)';
  const nm = url.lastIndexOf('node_modules/');
  if (nm >= 0) {
    const rest = url.slice(nm + 'node_modules/'.length).split('/');
    return rest[0].startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0];
  }
  if (url.startsWith('node:')) return 'node internals';
  const dist = url.match(/\/dist\/(?:src\/)?([^/]+)\//);
  if (dist) return `app: ${dist[1]}`;
  const gen = url.match(/\/generated\/prisma\//);
  if (gen) return 'app: generated prisma client';
  return url.replace(/^file:\/\//, '');
}

const byArea = new Map();
const byFunction = new Map();
let total = 0;
for (const [id, us] of self) {
  const node = nodes.get(id);
  total += us;
  const a = area(node);
  byArea.set(a, (byArea.get(a) ?? 0) + us);
  const { functionName, url, lineNumber } = node.callFrame;
  const key = `${functionName || '(anonymous)'} ${url ? `${url.split('/').slice(-2).join('/')}:${lineNumber + 1}` : ''}`.trim();
  byFunction.set(key, (byFunction.get(key) ?? 0) + us);
}
const busy = total - (byArea.get('(idle)') ?? 0);
const pct = (us, of) => `${((100 * us) / of).toFixed(1).padStart(5)} %`;
console.log(`${file}: ${(total / 1e6).toFixed(2)} s sampled, ${(busy / 1e6).toFixed(2)} s busy (not idle)`);
console.log('\nself time by area (share of busy time):');
for (const [a, us] of [...byArea].filter(([a]) => a !== '(idle)').sort((x, y) => y[1] - x[1]).slice(0, top)) console.log(`  ${pct(us, busy)}  ${a}`);
console.log('\ntop functions by self time (share of busy time):');
for (const [f, us] of [...byFunction].filter(([f]) => !f.startsWith('(idle)')).sort((x, y) => y[1] - x[1]).slice(0, top)) console.log(`  ${pct(us, busy)}  ${f}`);
