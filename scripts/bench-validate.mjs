#!/usr/bin/env node
// Validations per second of the pure validation engine, on one core (one Node thread), printed as one JSON line
// per case:
//   plain           a config with httpProxy, httpsProxy and 5 noProxy entries
//   large           a 20-certificate trustedCa bundle (10 RSA-2048 + 10 EC P-256) and 500 noProxy entries,
//                   certificate facts memoized (the steady state: the same bundle validated again and again)
//   large-cold      the same, with the certificate memo cleared before every validation (every certificate parsed)
//
// Needs the compiled engine in dist/ and the openssl CLI (to make the certificates):
//   npx tsc -p tsconfig.build.json --outDir dist        (or, to compile only the engine:)
//   npx tsc --outDir dist --rootDir src --module commonjs --target ES2022 --moduleResolution node \
//       --esModuleInterop --skipLibCheck --strict --types node src/domain/validate/index.ts
//   node scripts/bench-validate.mjs [seconds per case, default 3]
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { caBundle } from './lib/certificates.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const { validate, clearCertificateCache } = require(join(root, 'dist/domain/validate/index.js'));

const seconds = Number(process.argv[2] ?? 3);

function noProxyEntries(count) {
  const out = [];
  for (let i = 0; out.length < count; i++) {
    switch (i % 5) {
      case 0: out.push(`svc${i}.corp.example`); break;
      case 1: out.push(`.team${i}.corp.example`); break;
      case 2: out.push(`10.${(i >> 8) & 255}.${i & 255}.7`); break;
      case 3: out.push(`10.${(i >> 8) & 255}.${i & 255}.0/24`); break;
      default: out.push(`Registry${i}.Corp.Example`);
    }
  }
  return out;
}

function measure(name, input, options, before) {
  const now = new Date();
  const sample = validate(input, { now });
  // warm-up
  for (let i = 0; i < 50; i++) {
    before?.();
    validate(input, { now });
  }
  let iterations = 0;
  const start = process.hrtime.bigint();
  const limit = BigInt(Math.round(seconds * 1e9));
  let elapsed = 0n;
  while (elapsed < limit) {
    for (let i = 0; i < 10; i++) {
      before?.();
      validate(input, { now });
    }
    iterations += 10;
    elapsed = process.hrtime.bigint() - start;
  }
  const ms = Number(elapsed) / 1e6;
  console.log(
    JSON.stringify({
      case: name,
      validationsPerSecond: Math.round((iterations / ms) * 1000),
      meanMicroseconds: Math.round((ms * 1000) / iterations),
      iterations,
      valid: sample.valid,
      findings: sample.findings.length,
      certificates: sample.certificates.length,
      noProxy: sample.normalized.noProxy?.length ?? 0,
      ...options,
    }),
  );
}

const plain = {
  httpProxy: 'http://proxy.corp.example:3128/',
  httpsProxy: 'http://proxy.corp.example:3128/',
  noProxy: ['mcr.microsoft.com', '.corp.example', 'registry.corp.example', '10.1.2.3', 'corp.example'],
};
const large = {
  httpProxy: 'http://proxy.corp.example:3128/',
  httpsProxy: 'https://proxy.corp.example:3129/',
  noProxy: noProxyEntries(500),
  trustedCa: caBundle(20, { keys: ['rsa2048', 'ec'] }).base64,
};

measure('plain', plain, {});
measure('large', large, { trustedCaBytes: large.trustedCa.length, certificateMemo: 'warm' });
measure('large-cold', large, { trustedCaBytes: large.trustedCa.length, certificateMemo: 'cleared before each validation' }, clearCertificateCache);
