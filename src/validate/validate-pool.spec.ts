import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { testCertificates, toBase64 } from '../../test/support/certificates';
import type { ClusterContext, ValidationResult } from '../domain/proxy-config';
import { ValidatePool } from './validate-pool';

// The worker runs the COMPILED engine (dist/validate/validate.worker.js, from `npm run build`); the comparison uses
// the same compiled engine in this thread, so a stale dist/ cannot make the two differ. Skipped without a build.
const ROOT = join(__dirname, '../..');
const WORKER = join(ROOT, 'dist/validate/validate.worker.js');
const built = existsSync(WORKER);

describe.skipIf(!built)('ValidatePool: big validations in a worker thread answer the same bytes as in-process', () => {
  const require = createRequire(__filename);
  const engine = built
    ? (require(join(ROOT, 'dist/domain/validate/index.js')) as { validate: (c: unknown, o: { now: Date; cluster: ClusterContext | null }) => ValidationResult })
    : null;
  const pool = new ValidatePool(WORKER);
  afterAll(() => pool.close());

  const certs = testCertificates();
  const noProxy = Array.from({ length: 500 }, (_, i) => (i % 3 === 0 ? `10.${i >> 8}.${i & 255}.0/24` : i % 3 === 1 ? `.team${i}.corp.example` : `Svc${i}.Corp.Example`));
  const cluster: ClusterContext = {
    name: 'prod',
    nodePools: [
      { name: 'system', osType: 'Linux', type: 'VirtualMachineScaleSets' },
      { name: 'win', osType: 'Windows', type: 'VirtualMachineScaleSets' },
    ],
    network: { serviceCidr: '10.0.0.0/16', podCidr: '10.244.0.0/16', nodeSubnetCidrs: ['10.1.0.0/24'] },
    addons: { istio: true, monitoring: false },
    currentConfig: { httpProxy: 'http://old.corp.example:3128', noProxy: ['.corp.example'] },
  };
  const cases: Array<[string, unknown, ClusterContext | null]> = [
    ['20 certificates and 500 noProxy entries', { httpProxy: 'http://proxy.corp.example:3128', httpsProxy: 'http://proxy.corp.example:3129', noProxy, trustedCa: toBase64(certs.manyPem.slice(0, 20).join('')) }, null],
    ['with the rules of a cluster', { httpProxy: 'http://proxy.corp.example:3128', noProxy, trustedCa: certs.bundleBase64 }, cluster],
    ['expired, SHA-1 and a private key in the bundle', { httpProxy: 'http://proxy.corp.example:3128', trustedCa: toBase64(certs.expiredPem + certs.sha1Pem + certs.privateKeyPem), noProxy }, null],
    ['fields of the wrong types', { httpProxy: 42, noProxy: [null, { a: [1, 2] }, 'ok.example', ''], trustedCa: ['x'], extra: { deep: [[[]]] } }, cluster],
  ];

  it.each(cases)('%s', async (_name, config, context) => {
    const json = await pool.run(config, certs.now, context);
    expect(json!.toString('utf8')).toBe(JSON.stringify(engine!.validate(config, { now: certs.now, cluster: context })));
  });

  it('answers concurrent jobs each with its own result, and starts a new worker after close', async () => {
    const configs = Array.from({ length: 12 }, (_, i) => ({ httpProxy: `http://proxy-${i}.corp.example:3128`, noProxy: noProxy.slice(0, 50 + i) }));
    const answers = (await Promise.all(configs.map((c) => pool.run(c, certs.now, null)))).map((b) => b!.toString('utf8'));
    expect(answers).toEqual(configs.map((c) => JSON.stringify(engine!.validate(c, { now: certs.now, cluster: null }))));
    await pool.close();
    expect((await pool.run(configs[0], certs.now, null))!.toString('utf8')).toBe(answers[0]);
  });

  it('fails the jobs of a worker that runs out of its heap (the caller validates in-process then), and recovers', async () => {
    // 16 MB of old generation: ample to start and for an ordinary config (a loaded machine once ran a worker of 8 MB
    // out of memory at start), far too little for 9,999 noProxy entries of 4,000 characters (40 MB of text)
    const small = new ValidatePool(WORKER, { maxYoungGenerationSizeMb: 2, maxOldGenerationSizeMb: 16 });
    const huge = { noProxy: Array.from({ length: 9_999 }, (_, i) => `host-${i}-${'a'.repeat(60)}.corp.example`) };
    const tooBig = { noProxy: Array.from({ length: 9_999 }, (_, i) => `host-${i}-${'a'.repeat(4_000)}.corp.example`) };
    try {
      await expect(small.run(tooBig, certs.now, null)).rejects.toThrow(/memory/);
      expect((await small.run({ noProxy }, certs.now, null))!.toString('utf8')).toBe(JSON.stringify(engine!.validate({ noProxy }, { now: certs.now, cluster: null })));
    } finally {
      await small.close();
    }
    expect((await pool.run(huge, certs.now, null))!.toString('utf8')).toBe(JSON.stringify(engine!.validate(huge, { now: certs.now, cluster: null })));
  });

  it('stops its worker after idleMs without a job, and starts a new one for the next job', async () => {
    const idle = new ValidatePool(WORKER, undefined, 100);
    try {
      const config = { noProxy: noProxy.slice(0, 20) };
      const expected = JSON.stringify(engine!.validate(config, { now: certs.now, cluster: null }));
      expect((await idle.run(config, certs.now, null))!.toString('utf8')).toBe(expected);
      expect(idle.running).toBe(true);
      await new Promise((resolve) => setTimeout(resolve, 400));
      expect(idle.running).toBe(false);
      expect((await idle.run(config, certs.now, null))!.toString('utf8')).toBe(expected);
      expect(idle.running).toBe(true);
    } finally {
      await idle.close();
    }
  });

  it('is not used where there is no compiled worker (the caller validates in-process)', () => {
    expect(new ValidatePool(join(ROOT, 'no-such-worker.js')).run({}, certs.now, null)).toBeNull();
  });
});
