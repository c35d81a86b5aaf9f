// The reproductions of issue 17 against the built service (npm run build first) on a fresh PGlite: status, content
// type, time of each answer (best of 3) and of a /healthz sent at the same moment, and whether key material came back.
// Run: npx node scripts/hostile-repro.mjs
import { spawn } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const port = 3917;
const TOKEN = 'repro-admin-token-0123456789abcdef';
const dir = mkdtempSync(join(tmpdir(), 'repro-'));
const svc = spawn(process.execPath, [join(root, 'dist/main.js')], { cwd: root, env: { ...process.env, PORT: String(port), HOST: '127.0.0.1', DATA_DIR: dir, ADMIN_TOKEN: TOKEN, RATE_LIMIT_PER_MINUTE: '0', LOG_LEVEL: 'warn' }, stdio: 'ignore' });
const base = `http://127.0.0.1:${port}`;
for (let i = 0; i < 300; i++) { try { if ((await fetch(base + '/readyz')).ok) break; } catch {} await new Promise((r) => setTimeout(r, 200)); }
const h = { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' };
await fetch(base + '/v1/clusters', { method: 'POST', headers: h, body: JSON.stringify({ name: 'c1', resourceGroup: 'rg' }) });
const pem = generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
const deep = '['.repeat(5000) + ']'.repeat(5000);
const cases = [
  ['POST /v1/explain deep [x5000]', 'POST', '/v1/explain', deep],
  ['POST /v1/api-keys x: deep', 'POST', '/v1/api-keys', `{"name":"t","roles":["reader"],"x":${deep}}`],
  ['POST /v1/clusters/nope/configs deep', 'POST', '/v1/clusters/nope/configs', `{"reason":"r","config":{"noProxy":${deep}}}`],
  ['POST /v1/clusters nodePools 100,000 {}', 'POST', '/v1/clusters', JSON.stringify({ name: 'many', resourceGroup: 'rg', nodePools: Array.from({ length: 100000 }, () => ({})) })],
  ['POST /v1/clusters nodePools 50,000 {}', 'POST', '/v1/clusters', JSON.stringify({ name: 'many', resourceGroup: 'rg', nodePools: Array.from({ length: 50000 }, () => ({})) })],
  ['PATCH /v1/clusters/c1 network [{}]', 'PATCH', '/v1/clusters/c1', '{"network":[{}]}'],
  ['POST /v1/explain PEM key as URL', 'POST', '/v1/explain', JSON.stringify({ config: { httpProxy: 'http://p:3128' }, urls: [pem] })],
  ['GET /v1/nope?x=<PEM key>', 'GET', '/v1/nope?x=' + encodeURIComponent(pem), null],
];
console.log('| reproduction | status | content-type | ms | /healthz meanwhile (ms) | key echoed |');
console.log('| --- | --- | --- | --- | --- | --- |');
for (const [name, method, path, body] of cases) {
  let best = null;
  for (let i = 0; i < 3; i++) {
    const t0 = performance.now();
    const p = fetch(base + path, { method, headers: h, body: body ?? undefined }).then(async (r) => ({ r, text: await r.text(), ms: performance.now() - t0 }));
    const t1 = performance.now();
    const hz = fetch(base + '/healthz').then((r) => ({ status: r.status, ms: performance.now() - t1 }));
    const [a, b] = await Promise.all([p, hz]);
    const row = { status: a.r.status, ct: a.r.headers.get('content-type'), ms: a.ms, hz: b.ms, echo: a.text.includes(pem.split('\n')[1].slice(0, 24)) };
    if (!best || row.ms < best.ms) best = row;
  }
  console.log(`| ${name} | ${best.status} | ${best.ct} | ${best.ms.toFixed(1)} | ${best.hz.toFixed(1)} | ${best.echo ? 'YES' : 'no'} |`);
}
svc.kill('SIGTERM');
