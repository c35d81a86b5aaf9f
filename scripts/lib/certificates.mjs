// The one maker of X.509 certificates for the tests, the bench and the fault script: the `openssl` CLI (OpenSSL 3.0
// or later) in a temporary directory. test/support/certificates.ts builds the test set on it; the scripts use caBundle.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

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
function caDate(d) {
  const p = (n) => String(n).padStart(2, '0');
  return `${p(d.getUTCFullYear() % 100)}${p(d.getUTCMonth() + 1)}${p(d.getUTCDate())}${p(d.getUTCHours())}${p(d.getUTCMinutes())}${p(d.getUTCSeconds())}Z`;
}

/** base64 of a text, as a trustedCa field holds it. */
export const toBase64 = (text) => Buffer.from(text, 'utf8').toString('base64');

/**
 * A scratch certificate authority: keys and certificates by name, every validity period explicit and relative to
 * `now` (whole seconds). Extensions: ext_ca (CA:TRUE with a SAN), ext_ca_no_san, ext_leaf (CA:FALSE), ext_no_bc.
 * Call dispose() when done (it deletes the directory, keys included).
 */
export class CertificateFactory {
  constructor(now = new Date(Math.floor(Date.now() / 1000) * 1000)) {
    this.now = now;
    this.dir = mkdtempSync(join(tmpdir(), 'aks-proxy-certs-'));
    writeFileSync(join(this.dir, 'openssl.cnf'), CONFIG);
    writeFileSync(join(this.dir, 'index.txt'), '');
    mkdirSync(join(this.dir, 'newcerts'));
  }

  /** `now` moved by a number of days. */
  at(days) {
    return new Date(this.now.getTime() + days * DAY);
  }

  run(...args) {
    return execFileSync('openssl', args, { cwd: this.dir, stdio: ['ignore', 'pipe', 'pipe'] });
  }

  read(file) {
    return readFileSync(join(this.dir, file), 'utf8');
  }

  readBytes(file) {
    return readFileSync(join(this.dir, file));
  }

  /** A new key `name` ('rsa2048', 'rsa1024' or 'ec' P-256) and its certificate request. */
  key(name, type) {
    const opts =
      type === 'ec'
        ? ['-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256']
        : ['-algorithm', 'RSA', '-pkeyopt', `rsa_keygen_bits:${type === 'rsa1024' ? 1024 : 2048}`];
    this.run('genpkey', ...opts, '-out', `${name}.key`);
    this.run('req', '-new', '-config', 'openssl.cnf', '-key', `${name}.key`, '-out', `${name}.csr`);
    return name;
  }

  /**
   * Issues certificate `name` (PEM text returned, kept as `${name}.pem`) for key `keyName` with `subject`, the
   * extension section `ext`, validity `from`..`to`, digest `md` (sha256), signed by certificate `issuer` (its key is
   * `${issuer}.key`) or self-signed when absent.
   */
  issue(name, { keyName, subject, ext, from, to, md = 'sha256', issuer }) {
    const signer = issuer ? ['-cert', `${issuer}.pem`, '-keyfile', `${issuer}.key`] : ['-selfsign', '-keyfile', `${keyName}.key`];
    this.run(
      'ca', '-batch', '-config', 'openssl.cnf', '-notext', '-preserveDN',
      ...signer,
      '-in', `${keyName}.csr`, '-subj', subject, '-extensions', ext,
      '-startdate', caDate(from), '-enddate', caDate(to), '-md', md,
      '-out', `${name}.pem`,
    );
    return this.read(`${name}.pem`);
  }

  dispose() {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/**
 * `count` self-signed CA certificates that the service accepts without an error (subjectAltName, CA:TRUE, valid
 * from yesterday for a year), their keys taken in turn from `keys` ('ec', 'rsa2048'). Returns the PEMs, the bundle
 * and its base64 (a trustedCa value).
 */
export function caBundle(count = 20, { keys = ['ec'], subject = 'AKS Proxy Bench CA' } = {}) {
  const factory = new CertificateFactory();
  try {
    const pems = [];
    for (let i = 1; i <= count; i++) {
      const keyName = factory.key(`k${i}`, keys[(i - 1) % keys.length]);
      pems.push(factory.issue(`ca${i}`, { keyName, subject: `/CN=${subject} ${i}/O=AKS Proxy Bench`, ext: 'ext_ca', from: factory.at(-1), to: factory.at(365) }));
    }
    const pem = pems.join('');
    return { pems, pem, base64: toBase64(pem) };
  } finally {
    factory.dispose();
  }
}
