import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Real X.509 test certificates, made with the `openssl` CLI (OpenSSL 3.0 or later) in a temporary directory once
 * per process and cached. Every validity period is explicit (`openssl ca -startdate/-enddate`) and relative to
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

/** base64 of a text, as a trustedCa field holds it. */
export const toBase64 = (text: string): string => Buffer.from(text, 'utf8').toString('base64');

const DAY = 24 * 60 * 60 * 1000;

const CONFIG = `
[ca]
default_ca = CA_default
[CA_default]
dir = .
database = ./index.txt
new_certs_dir = ./newcerts
rand_serial = yes
default_md = sha256
policy = policy_any
unique_subject = no
copy_extensions = none
email_in_dn = no
preserve = yes
[policy_any]
commonName = supplied
organizationName = optional
[req]
distinguished_name = dn
prompt = no
[dn]
CN = placeholder
[ext_ca]
basicConstraints = critical,CA:TRUE
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash
subjectAltName = DNS:proxy-ca.aks-proxy.test
[ext_ca_no_san]
basicConstraints = critical,CA:TRUE
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash
[ext_leaf]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature
extendedKeyUsage = serverAuth
subjectAltName = DNS:proxy.corp.example,IP:10.0.0.5
[ext_no_bc]
keyUsage = critical,digitalSignature,keyCertSign
subjectAltName = DNS:no-bc.aks-proxy.test
`;

/** openssl ca's date format: YYMMDDHHMMSSZ (UTCTime, fine until 2049). */
function caDate(d: Date): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${p(d.getUTCFullYear() % 100)}${p(d.getUTCMonth() + 1)}${p(d.getUTCDate())}${p(d.getUTCHours())}${p(d.getUTCMinutes())}${p(d.getUTCSeconds())}Z`;
}

let cached: TestCertificates | undefined;

/** The test certificates, generated on first use (about a second) and cached for the process. */
export function testCertificates(): TestCertificates {
  cached ??= generate();
  return cached;
}

function generate(): TestCertificates {
  const now = new Date(Math.floor(Date.now() / 1000) * 1000);
  const at = (days: number) => new Date(now.getTime() + days * DAY);
  const dir = mkdtempSync(join(tmpdir(), 'aks-proxy-certs-'));
  const run = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  const read = (file: string) => readFileSync(join(dir, file), 'utf8');
  try {
    writeFileSync(join(dir, 'openssl.cnf'), CONFIG);
    writeFileSync(join(dir, 'index.txt'), '');
    mkdirSync(join(dir, 'newcerts'));

    const key = (name: string, type: 'rsa2048' | 'rsa1024' | 'ec') => {
      const opts =
        type === 'ec'
          ? ['-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256']
          : ['-algorithm', 'RSA', '-pkeyopt', `rsa_keygen_bits:${type === 'rsa1024' ? 1024 : 2048}`];
      run('genpkey', ...opts, '-out', `${name}.key`);
      run('req', '-new', '-config', 'openssl.cnf', '-key', `${name}.key`, '-out', `${name}.csr`);
      return name;
    };
    interface Issue {
      keyName: string;
      subject: string;
      ext: string;
      from: Date;
      to: Date;
      md?: string;
      issuer?: string; // name of the issuing certificate (its key is `${issuer}.key`); self-signed when absent
    }
    const issue = (name: string, o: Issue): string => {
      const signer = o.issuer ? ['-cert', `${o.issuer}.pem`, '-keyfile', `${o.issuer}.key`] : ['-selfsign', '-keyfile', `${o.keyName}.key`];
      run(
        'ca', '-batch', '-config', 'openssl.cnf', '-notext', '-preserveDN',
        ...signer,
        '-in', `${o.keyName}.csr`, '-subj', o.subject, '-extensions', o.ext,
        '-startdate', caDate(o.from), '-enddate', caDate(o.to), '-md', o.md ?? 'sha256',
        '-out', `${name}.pem`,
      );
      return read(`${name}.pem`);
    };

    key('ca', 'rsa2048');
    key('ec', 'ec');
    key('rsa', 'rsa2048');
    key('weak', 'rsa1024');

    const caPem = issue('ca', { keyName: 'ca', subject: '/CN=AKS Proxy Test Root CA/O=AKS Proxy Tests', ext: 'ext_ca', from: at(-1), to: at(365) });
    const ecPem = issue('ecca', { keyName: 'ec', subject: '/CN=AKS Proxy Test EC CA', ext: 'ext_ca', from: at(-1), to: at(365) });
    const intermediatePem = issue('intermediate', {
      keyName: 'rsa', subject: '/CN=AKS Proxy Test Intermediate CA', ext: 'ext_ca', from: at(-1), to: at(365), issuer: 'ca',
    });
    const cnOnlyPem = issue('cnonly', { keyName: 'rsa', subject: '/CN=AKS Proxy Test CN-only CA', ext: 'ext_ca_no_san', from: at(-1), to: at(365) });
    const expiredPem = issue('expired', { keyName: 'ec', subject: '/CN=AKS Proxy Test Expired CA', ext: 'ext_ca', from: at(-60), to: at(-1) });
    const notYetValidPem = issue('future', { keyName: 'ec', subject: '/CN=AKS Proxy Test Future CA', ext: 'ext_ca', from: at(30), to: at(400) });
    const expiringPem = issue('expiring', { keyName: 'ec', subject: '/CN=AKS Proxy Test Expiring CA', ext: 'ext_ca', from: at(-1), to: at(10) });
    const sha1Pem = issue('sha1', { keyName: 'rsa', subject: '/CN=AKS Proxy Test SHA-1 CA', ext: 'ext_ca', from: at(-1), to: at(365), md: 'sha1' });
    const rsa1024Pem = issue('rsa1024', { keyName: 'weak', subject: '/CN=AKS Proxy Test RSA-1024 CA', ext: 'ext_ca', from: at(-1), to: at(365) });
    const leafPem = issue('leaf', { keyName: 'ec', subject: '/CN=proxy.corp.example', ext: 'ext_leaf', from: at(-1), to: at(90), issuer: 'ca' });
    const noBasicConstraintsPem = issue('nobc', { keyName: 'ec', subject: '/CN=AKS Proxy Test No-BC CA', ext: 'ext_no_bc', from: at(-1), to: at(365) });
    const manyPem: string[] = [];
    for (let i = 1; i <= 21; i++) {
      manyPem.push(issue(`many${i}`, { keyName: 'ec', subject: `/CN=AKS Proxy Test Bundle CA ${i}`, ext: 'ext_ca', from: at(-1), to: at(365) }));
    }
    run('x509', '-in', 'ca.pem', '-outform', 'DER', '-out', 'ca.der');
    const caDer = readFileSync(join(dir, 'ca.der'));
    run('pkey', '-in', 'ec.key', '-out', 'ec-sec1.key', '-traditional');

    const bundlePem = caPem + ecPem + intermediatePem;
    return {
      now,
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
      privateKeyPem: read('ca.key'),
      ecPrivateKeyPem: read('ec-sec1.key'),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
