import { CertificateFactory, toBase64 } from '../../scripts/lib/certificates.mjs';

export { toBase64 };

/**
 * Real X.509 test certificates, made once per process (and cached) by the one certificate factory of the project,
 * scripts/lib/certificates.mjs (the `openssl` CLI, OpenSSL 3.0 or later; the bench and fault scripts use it too). Every validity period is explicit (`openssl ca -startdate/-enddate`) and relative to
 * `now`, the clock captured when they were generated: pass `now` to validate() so that "expired", "not yet valid"
 * and "expiring in 10 days" hold whatever the day the tests run.
 *
 * Each `...Pem` is the PEM text; each `...Base64` is what a `trustedCa` field holds (base64 of the PEM text).
 *
 * | name                | key      | signature | SAN | basicConstraints | validity                 |
 * | ------------------- | -------- | --------- | --- | ---------------- | ------------------------ |
 * | ca                  | RSA 2048 | SHA-256   | yes | CA:TRUE          | now-1d .. now+365d       |
 * | ec                  | EC P-256 | SHA-256   | yes | CA:TRUE          | now-1d .. now+365d       |
 * | intermediate        | RSA 2048 | SHA-256   | yes | CA:TRUE (by ca)  | now-1d .. now+365d       |
 * | cnOnly              | RSA 2048 | SHA-256   | no  | CA:TRUE          | now-1d .. now+365d       |
 * | expired             | EC P-256 | SHA-256   | yes | CA:TRUE          | now-60d .. now-1d        |
 * | notYetValid         | EC P-256 | SHA-256   | yes | CA:TRUE          | now+30d .. now+400d      |
 * | expiring            | EC P-256 | SHA-256   | yes | CA:TRUE          | now-1d .. now+10d        |
 * | sha1                | RSA 2048 | SHA-1     | yes | CA:TRUE          | now-1d .. now+365d       |
 * | rsa1024             | RSA 1024 | SHA-256   | yes | CA:TRUE          | now-1d .. now+365d       |
 * | leaf                | EC P-256 | SHA-256   | yes | CA:FALSE (by ca) | now-1d .. now+90d        |
 * | noBasicConstraints  | EC P-256 | SHA-256   | yes | absent           | now-1d .. now+365d       |
 *
 * `bundle` is ca + ec + intermediate (three clean CA certificates); `manyPem` holds 21 distinct clean EC CA
 * certificates (enough for the 20-certificate limit and one over); `caDer` is `ca` in DER; `privateKeyPem` is ca's
 * PKCS#8 key (`PRIVATE KEY`) and `ecPrivateKeyPem` a SEC1 key (`EC PRIVATE KEY`).
 */
export interface TestCertificates {
  now: Date;
  caPem: string;
  caBase64: string;
  ecPem: string;
  ecBase64: string;
  intermediatePem: string;
  intermediateBase64: string;
  cnOnlyPem: string;
  cnOnlyBase64: string;
  expiredPem: string;
  expiredBase64: string;
  notYetValidPem: string;
  notYetValidBase64: string;
  expiringPem: string;
  expiringBase64: string;
  sha1Pem: string;
  sha1Base64: string;
  rsa1024Pem: string;
  rsa1024Base64: string;
  leafPem: string;
  leafBase64: string;
  noBasicConstraintsPem: string;
  noBasicConstraintsBase64: string;
  bundlePem: string;
  bundleBase64: string;
  manyPem: string[];
  caDer: Buffer;
  caDerBase64: string;
  privateKeyPem: string;
  ecPrivateKeyPem: string;
}

let cached: TestCertificates | undefined;

/** The test certificates, generated on first use (about a second) and cached for the process. */
export function testCertificates(): TestCertificates {
  cached ??= generate();
  return cached;
}

function generate(): TestCertificates {
  const f = new CertificateFactory();
  const at = (days: number) => f.at(days);
  try {
    f.key('ca', 'rsa2048');
    f.key('ec', 'ec');
    f.key('rsa', 'rsa2048');
    f.key('weak', 'rsa1024');

    const caPem = f.issue('ca', { keyName: 'ca', subject: '/CN=AKS Proxy Test Root CA/O=AKS Proxy Tests', ext: 'ext_ca', from: at(-1), to: at(365) });
    const ecPem = f.issue('ecca', { keyName: 'ec', subject: '/CN=AKS Proxy Test EC CA', ext: 'ext_ca', from: at(-1), to: at(365) });
    const intermediatePem = f.issue('intermediate', {
      keyName: 'rsa', subject: '/CN=AKS Proxy Test Intermediate CA', ext: 'ext_ca', from: at(-1), to: at(365), issuer: 'ca',
    });
    const cnOnlyPem = f.issue('cnonly', { keyName: 'rsa', subject: '/CN=AKS Proxy Test CN-only CA', ext: 'ext_ca_no_san', from: at(-1), to: at(365) });
    const expiredPem = f.issue('expired', { keyName: 'ec', subject: '/CN=AKS Proxy Test Expired CA', ext: 'ext_ca', from: at(-60), to: at(-1) });
    const notYetValidPem = f.issue('future', { keyName: 'ec', subject: '/CN=AKS Proxy Test Future CA', ext: 'ext_ca', from: at(30), to: at(400) });
    const expiringPem = f.issue('expiring', { keyName: 'ec', subject: '/CN=AKS Proxy Test Expiring CA', ext: 'ext_ca', from: at(-1), to: at(10) });
    const sha1Pem = f.issue('sha1', { keyName: 'rsa', subject: '/CN=AKS Proxy Test SHA-1 CA', ext: 'ext_ca', from: at(-1), to: at(365), md: 'sha1' });
    const rsa1024Pem = f.issue('rsa1024', { keyName: 'weak', subject: '/CN=AKS Proxy Test RSA-1024 CA', ext: 'ext_ca', from: at(-1), to: at(365) });
    const leafPem = f.issue('leaf', { keyName: 'ec', subject: '/CN=proxy.corp.example', ext: 'ext_leaf', from: at(-1), to: at(90), issuer: 'ca' });
    const noBasicConstraintsPem = f.issue('nobc', { keyName: 'ec', subject: '/CN=AKS Proxy Test No-BC CA', ext: 'ext_no_bc', from: at(-1), to: at(365) });
    const manyPem: string[] = [];
    for (let i = 1; i <= 21; i++) {
      manyPem.push(f.issue(`many${i}`, { keyName: 'ec', subject: `/CN=AKS Proxy Test Bundle CA ${i}`, ext: 'ext_ca', from: at(-1), to: at(365) }));
    }
    f.run('x509', '-in', 'ca.pem', '-outform', 'DER', '-out', 'ca.der');
    const caDer = f.readBytes('ca.der');
    f.run('pkey', '-in', 'ec.key', '-out', 'ec-sec1.key', '-traditional');

    const bundlePem = caPem + ecPem + intermediatePem;
    return {
      now: f.now,
      caPem, caBase64: toBase64(caPem),
      ecPem, ecBase64: toBase64(ecPem),
      intermediatePem, intermediateBase64: toBase64(intermediatePem),
      cnOnlyPem, cnOnlyBase64: toBase64(cnOnlyPem),
      expiredPem, expiredBase64: toBase64(expiredPem),
      notYetValidPem, notYetValidBase64: toBase64(notYetValidPem),
      expiringPem, expiringBase64: toBase64(expiringPem),
      sha1Pem, sha1Base64: toBase64(sha1Pem),
      rsa1024Pem, rsa1024Base64: toBase64(rsa1024Pem),
      leafPem, leafBase64: toBase64(leafPem),
      noBasicConstraintsPem, noBasicConstraintsBase64: toBase64(noBasicConstraintsPem),
      bundlePem, bundleBase64: toBase64(bundlePem),
      manyPem,
      caDer, caDerBase64: caDer.toString('base64'),
      privateKeyPem: f.read('ca.key'),
      ecPrivateKeyPem: f.read('ec-sec1.key'),
    };
  } finally {
    f.dispose();
  }
}
