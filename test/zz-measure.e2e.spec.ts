import { it } from 'vitest';
import { ADMIN_TOKEN, bearer, startTestApp } from './support/test-app';
it('measure', async () => {
  const t = await startTestApp();
  const sub = await t.key('s', ['submitter']);
  await t.http().post('/v1/clusters').set(bearer(sub)).send({ name: 'c', resourceGroup: 'rg' });
  const np = Array.from({ length: 80000 }, (_, i) => `h${i}.ex`);
  const np2 = Array.from({ length: 150000 }, () => ({}));
  const cases: [string, string, unknown][] = [
    ['post', '/v1/validate', { noProxy: np }],
    ['post', '/v1/validate', { noProxy: np2 }],
    ['post', '/v1/validate', { trustedCa: 'A'.repeat(900000) }],
    ['post', '/v1/explain', { config: { noProxy: np }, urls: ['https://a.example/'] }],
    ['post', '/v1/explain', { config: { x: np2 }, urls: ['https://a.example/'] }],
    ['post', '/v1/clusters/c/configs', { reason: 'r', config: { noProxy: np } }],
    ['post', '/v1/clusters/c/configs', { reason: 'r', config: { x: np2 } }],
    ['post', '/v1/api-keys', { name: 'x', roles: ['reader'], y: 'a'.repeat(900000) }],
    ['post', '/v1/clusters/c/configs/1/decisions', { decision: 'approve', comment: 'a '.repeat(400000) }],
  ];
  for (const [m, p, b] of cases) {
    const t0 = performance.now();
    const res = await (t.http() as any)[m](p).set(bearer(ADMIN_TOKEN)).send(b);
    console.log(p, JSON.stringify(b).length, res.status, Math.round(performance.now() - t0), 'ms', res.text.slice(0, 150));
  }
  await t.close();
}, 120000);
