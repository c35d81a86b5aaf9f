import type * as Peculiar from '@peculiar/x509';
import type { X509Certificate } from '@peculiar/x509';
import { createHash, createPrivateKey, createPublicKey } from 'node:crypto';
import {
  MAX_TRUSTED_CA_BYTES,
  MAX_TRUSTED_CA_CERTIFICATES,
  MIN_RSA_KEY_BITS,
  TRUSTED_CA_EXPIRING_DAYS,
} from '../aks';
import type { CertificateDescription, Finding } from '../proxy-config';
import { finding, show } from './util';

/**
 * `trustedCa`: base64 → PEM → X.509 (SPEC.md "Rules AKS enforces"). Synchronous: certificates are parsed with
 * @peculiar/x509's synchronous constructor and hashed with node:crypto, never with WebCrypto.
 *
 * Nothing of the submitted text is ever echoed: a private key found in it (a PEM block, or the whole value being a
 * DER key) is reported by its block number only, never copied into a message, the canonical form or a description.
 *
 * Canonical form: every parsable CERTIFICATE as standard PEM (`-----BEGIN CERTIFICATE-----`, base64 body in
 * 64-character lines, `-----END CERTIFICATE-----`, each line ending in `\n`), exact duplicates dropped, sorted by
 * SHA-256 fingerprint of the DER, concatenated (so blocks are separated by one `\n`), then base64 (no line breaks).
 * Line wrapping, CRLF, blank lines, comments between blocks and certificate order do not change it.
 */

/** Inputs larger than this are reported as too large and not analysed further (a cheap guard against abuse). */
export const TRUSTED_CA_ANALYSIS_LIMIT = 1024 * 1024;

/** At most this many certificates of one bundle are parsed and described (twice what AKS allows). */
export const MAX_CERTIFICATES_CHECKED = 2 * MAX_TRUSTED_CA_CERTIFICATES;

const DAY_MS = 24 * 60 * 60 * 1000;

export interface TrustedCaResult {
  findings: Finding[];
  /** Canonical base64, when at least one certificate parsed. */
  normalized?: string;
  /** One description per distinct parsable certificate, in canonical (fingerprint) order. */
  certificates: CertificateDescription[];
}

/** What one certificate is, independent of the clock; memoized by fingerprint. */
interface CertificateFacts {
  description: CertificateDescription;
  label: string; // "certificate N (…)" minus the N, e.g. `"CN=Corp Root CA"`
  notBeforeMs: number;
  notAfterMs: number;
  hasSan: boolean;
  basicConstraints: 'ca' | 'not-ca' | 'absent';
  weakSignature: string | null;
  rsaBits: number | null;
}

const SIGNATURE_ALGORITHMS: Readonly<Record<string, { name: string; weak: boolean }>> = {
  '1.2.840.113549.1.1.2': { name: 'md2WithRSAEncryption', weak: true },
  '1.2.840.113549.1.1.4': { name: 'md5WithRSAEncryption', weak: true },
  '1.2.840.113549.1.1.5': { name: 'sha1WithRSAEncryption', weak: true },
  '1.3.14.3.2.29': { name: 'sha1WithRSASignature', weak: true },
  '1.2.840.113549.1.1.14': { name: 'sha224WithRSAEncryption', weak: false },
  '1.2.840.113549.1.1.11': { name: 'sha256WithRSAEncryption', weak: false },
  '1.2.840.113549.1.1.12': { name: 'sha384WithRSAEncryption', weak: false },
  '1.2.840.113549.1.1.13': { name: 'sha512WithRSAEncryption', weak: false },
  '1.2.840.113549.1.1.10': { name: 'rsassaPss', weak: false },
  '1.2.840.10045.4.1': { name: 'ecdsa-with-SHA1', weak: true },
  '1.2.840.10045.4.3.1': { name: 'ecdsa-with-SHA224', weak: false },
  '1.2.840.10045.4.3.2': { name: 'ecdsa-with-SHA256', weak: false },
  '1.2.840.10045.4.3.3': { name: 'ecdsa-with-SHA384', weak: false },
  '1.2.840.10045.4.3.4': { name: 'ecdsa-with-SHA512', weak: false },
  '1.2.840.10040.4.3': { name: 'dsa-with-SHA1', weak: true },
  '2.16.840.1.101.3.4.3.2': { name: 'dsa-with-SHA256', weak: false },
  '1.3.101.112': { name: 'Ed25519', weak: false },
  '1.3.101.113': { name: 'Ed448', weak: false },
};

const CURVE_BITS: Readonly<Record<string, number>> = {
  prime256v1: 256,
  secp256k1: 256,
  secp384r1: 384,
  secp521r1: 521,
  secp224r1: 224,
};

const KEY_ALGORITHMS: Readonly<Record<string, string>> = {
  rsa: 'RSA',
  'rsa-pss': 'RSA-PSS',
  ec: 'EC',
  dsa: 'DSA',
  ed25519: 'Ed25519',
  ed448: 'Ed448',
  x25519: 'X25519',
  x448: 'X448',
};

const SAN_PREFIX: Readonly<Record<string, string>> = { dns: 'DNS', ip: 'IP', email: 'email', url: 'URI', guid: 'GUID', upn: 'UPN', id: 'RID' };

/** The parsed ASN.1 structure @peculiar/x509 keeps (a protected member; read defensively). */
interface CertificateAsn {
  signatureAlgorithm?: { algorithm?: string };
  tbsCertificate?: {
    extensions?: { extnID: string; extnValue: { buffer: ArrayBuffer } }[];
    subjectPublicKeyInfo?: { algorithm?: { algorithm?: string } };
  };
}

const SPKI_ALGORITHMS: Readonly<Record<string, string>> = {
  '1.2.840.113549.1.1.1': 'RSA',
  '1.2.840.113549.1.1.10': 'RSA-PSS',
  '1.2.840.10045.2.1': 'EC',
  '1.2.840.10040.4.1': 'DSA',
  '1.3.101.112': 'Ed25519',
  '1.3.101.113': 'Ed448',
};

const WEBCRYPTO_CURVE_BITS: Readonly<Record<string, number>> = { 'P-256': 256, 'P-384': 384, 'P-521': 521, 'K-256': 256 };

/**
 * Key algorithm and size (RSA modulus bits, EC curve bits). @peculiar/x509 reads both from the SPKI cheaply for
 * RSA and EC; anything else falls back to node:crypto (slower: it imports the key).
 */
function describeKey(cert: X509Certificate, asn: CertificateAsn | undefined): { keyAlgorithm: string; keySize: number | null } {
  const oid = asn?.tbsCertificate?.subjectPublicKeyInfo?.algorithm?.algorithm ?? '';
  const name = SPKI_ALGORITHMS[oid];
  try {
    const algorithm = cert.publicKey.algorithm as { modulusLength?: number; namedCurve?: string };
    if (name === 'RSA' && typeof algorithm.modulusLength === 'number') return { keyAlgorithm: name, keySize: algorithm.modulusLength };
    if (name === 'EC' && algorithm.namedCurve && WEBCRYPTO_CURVE_BITS[algorithm.namedCurve]) {
      return { keyAlgorithm: name, keySize: WEBCRYPTO_CURVE_BITS[algorithm.namedCurve]! };
    }
    if (name === 'Ed25519' || name === 'Ed448') return { keyAlgorithm: name, keySize: null };
  } catch {
    // fall through to node:crypto
  }
  try {
    const key = createPublicKey({ key: Buffer.from(cert.publicKey.rawData), format: 'der', type: 'spki' });
    const type = key.asymmetricKeyType ?? '';
    const details = key.asymmetricKeyDetails ?? {};
    const keySize = details.modulusLength ?? (details.namedCurve !== undefined ? (CURVE_BITS[details.namedCurve] ?? null) : null);
    return { keyAlgorithm: KEY_ALGORITHMS[type] ?? name ?? (type || oid || 'unknown'), keySize };
  } catch {
    return { keyAlgorithm: name ?? (oid || 'unknown'), keySize: null };
  }
}

/** Length of the DER SEQUENCE at the start of `der`, header included; null when it is no DER SEQUENCE. */
function derSequenceLength(der: Uint8Array): number | null {
  if (der.length < 2 || der[0] !== 0x30) return null;
  const first = der[1]!;
  if (first < 0x80) return 2 + first;
  const n = first & 0x7f;
  if (n === 0 || n > 4 || der.length < 2 + n) return null;
  let len = 0;
  for (let i = 0; i < n; i++) len = len * 256 + der[2 + i]!;
  return 2 + n + len;
}

/** cA flag of a BasicConstraints extension value (DER: SEQUENCE { BOOLEAN DEFAULT FALSE, INTEGER OPTIONAL }). */
function basicConstraintsCa(value: Uint8Array): boolean {
  return value.length >= 5 && value[0] === 0x30 && value[2] === 0x01 && value[3] === 0x01 && value[4] !== 0x00;
}

const LRU_SIZE = 512;
const factsCache = new Map<string, CertificateFacts | null>();

/** Forgets every memoized certificate (for benchmarks and tests). */
export function clearCertificateCache(): void {
  factsCache.clear();
}

function sha256Hex(der: Uint8Array): string {
  return createHash('sha256').update(der).digest('hex');
}

/** A signature algorithm outside the table, named by OID, or by @peculiar/x509 when the OID is unavailable. */
function fallbackSignature(cert: X509Certificate, oid: string): { name: string; weak: boolean } {
  if (oid) return { name: oid, weak: false };
  try {
    const algorithm = cert.signatureAlgorithm as { name?: string; hash?: { name?: string } };
    const hash = String(algorithm.hash?.name ?? '');
    return { name: [algorithm.name, hash].filter(Boolean).join('-') || 'unknown', weak: /^(SHA-1|MD5)$/i.test(hash) };
  } catch {
    return { name: 'unknown', weak: false };
  }
}

/** Parses one DER certificate into its clock-independent facts, or null when it does not parse. */
function certificateFacts(der: Buffer, fingerprint: string): CertificateFacts | null {
  const cached = factsCache.get(fingerprint);
  if (cached !== undefined) {
    factsCache.delete(fingerprint);
    factsCache.set(fingerprint, cached);
    return cached;
  }
  let facts: CertificateFacts | null;
  try {
    facts = parseFacts(der, fingerprint);
  } catch {
    facts = null;
  }
  factsCache.set(fingerprint, facts);
  if (factsCache.size > LRU_SIZE) factsCache.delete(factsCache.keys().next().value!);
  return facts;
}

let peculiar: typeof Peculiar | undefined;

/**
 * @peculiar/x509, loaded on the first certificate rather than at import: it costs some 150 ms to load, which the
 * command-line tool (src/cli) pays only for a config with a trustedCa. It resolves its algorithm providers through
 * tsyringe, which needs the Reflect metadata polyfill loaded first (it throws at load time otherwise); Nest loads
 * the polyfill too, and loading it twice is harmless.
 */
function x509(): typeof Peculiar {
  if (!peculiar) {
    require('reflect-metadata');
    peculiar = require('@peculiar/x509') as typeof Peculiar;
  }
  return peculiar;
}

function parseFacts(der: Buffer, fingerprint: string): CertificateFacts | null {
  if (derSequenceLength(der) !== der.length) return null; // truncated, or trailing bytes after the certificate
  const cert = new (x509().X509Certificate)(new Uint8Array(der));
  const asn = (cert as unknown as { asn?: CertificateAsn }).asn;

  const sigOid = asn?.signatureAlgorithm?.algorithm ?? '';
  let signature = SIGNATURE_ALGORITHMS[sigOid] ?? fallbackSignature(cert, sigOid);
  if (sigOid === '1.2.840.113549.1.1.10') {
    // RSASSA-PSS carries its hash in the parameters.
    let hash = '';
    try {
      hash = String((cert.signatureAlgorithm as { hash?: { name?: string } }).hash?.name ?? '');
    } catch {
      hash = '';
    }
    signature = { name: hash ? `rsassaPss-${hash}` : 'rsassaPss', weak: /^(SHA-1|MD5)$/i.test(hash) };
  }

  let hasSan = false;
  let subjectAltNames: string[] = [];
  let basicConstraints: CertificateFacts['basicConstraints'] = 'absent';
  // The parsed structure is read directly (about twice as fast as the public `extensions` getter, which builds
  // every extension object); the public API is the fallback should a library release stop keeping it.
  const extensions =
    asn?.tbsCertificate !== undefined
      ? (asn.tbsCertificate.extensions ?? [])
      : cert.extensions.map((e) => ({ extnID: e.type, extnValue: { buffer: e.value } }));
  for (const ext of extensions) {
    const value = new Uint8Array(ext.extnValue.buffer);
    if (ext.extnID === '2.5.29.17') {
      hasSan = true;
      try {
        subjectAltNames = new (x509().GeneralNames)(value).items.map((n) => `${SAN_PREFIX[n.type] ?? n.type}:${n.value}`);
      } catch {
        subjectAltNames = []; // a name type the library does not decode (x400, EDI party): present but not listed
      }
    } else if (ext.extnID === '2.5.29.19') {
      basicConstraints = basicConstraintsCa(value) ? 'ca' : 'not-ca';
    }
  }

  const { keyAlgorithm, keySize } = describeKey(cert, asn);
  const rsaBits = keyAlgorithm === 'RSA' || keyAlgorithm === 'RSA-PSS' ? keySize : null;

  const subject = cert.subject;
  const cn = cert.subjectName.getField('CN')[0];
  const notBefore = cert.notBefore;
  const notAfter = cert.notAfter;
  return {
    description: {
      subject,
      issuer: cert.issuer,
      serialNumber: cert.serialNumber.toLowerCase(),
      notBefore: notBefore.toISOString(),
      notAfter: notAfter.toISOString(),
      sha256Fingerprint: fingerprint,
      subjectAltNames,
      isCA: basicConstraints === 'ca',
      keyAlgorithm,
      keySize,
      signatureAlgorithm: signature.name,
    },
    label: show(cn !== undefined ? `CN=${cn}` : subject || 'empty subject'),
    notBeforeMs: notBefore.getTime(),
    notAfterMs: notAfter.getTime(),
    hasSan,
    basicConstraints,
    weakSignature: signature.weak ? signature.name : null,
    rsaBits,
  };
}

const STRICT_BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** Why a string is not standard padded base64 (Go's base64.StdEncoding, which skips CR and LF), or null. */
function base64Problem(s: string): string | null {
  if (STRICT_BASE64.test(s)) return null;
  if (/\s/.test(s)) return 'it contains spaces or tabs';
  if (/[-_]/.test(s) && /^[A-Za-z0-9_-]*=*$/.test(s)) return 'it uses the URL-safe alphabet (- and _)';
  if (/^[A-Za-z0-9+/]*=*$/.test(s)) return 'its length or padding is wrong';
  return 'it contains characters outside the base64 alphabet';
}

interface PemBlock {
  label: string;
  body: string;
  terminated: boolean;
}

/** Every `-----BEGIN X-----` block of a PEM text, in order; text around blocks is ignored (as Go does). */
function pemBlocks(text: string): PemBlock[] {
  const blocks: PemBlock[] = [];
  const begin = /-----BEGIN ([A-Z0-9 #._-]{1,64})-----/g;
  let m: RegExpExecArray | null;
  while ((m = begin.exec(text)) !== null) {
    const label = m[1]!;
    const start = m.index + m[0].length;
    const endMarker = `-----END ${label}-----`;
    const end = text.indexOf(endMarker, start);
    const nextBegin = text.indexOf('-----BEGIN ', start);
    if (end < 0 || (nextBegin >= 0 && nextBegin < end)) {
      blocks.push({ label, body: '', terminated: false });
      continue;
    }
    blocks.push({ label, body: text.slice(start, end), terminated: true });
    begin.lastIndex = end + endMarker.length;
  }
  return blocks;
}

function toPem(der: Buffer): string {
  const b64 = der.toString('base64');
  const lines: string[] = [];
  for (let i = 0; i < b64.length; i += 64) lines.push(b64.slice(i, i + 64));
  return `-----BEGIN CERTIFICATE-----\n${lines.join('\n')}\n-----END CERTIFICATE-----\n`;
}

/**
 * Whether DER bytes are a private key: PKCS#8 (encrypted or not), PKCS#1 RSA or SEC1 EC. Asked of node:crypto,
 * which throws for anything else (a DER certificate included).
 */
function isDerPrivateKey(der: Buffer): boolean {
  for (const type of ['pkcs8', 'pkcs1', 'sec1'] as const) {
    try {
      createPrivateKey({ key: der, format: 'der', type });
      return true;
    } catch (error) {
      // An encrypted PKCS#8 key (EncryptedPrivateKeyInfo) is still a private key.
      if ((error as { code?: unknown } | null)?.code === 'ERR_MISSING_PASSPHRASE') return true;
    }
  }
  return false;
}

const AKS_PEM_ERROR = 'AKS refuses it with HTTPProxyTrustedCAPEMDecodeFailure';
const HOW_TO_ENCODE = 'give the base64 of the PEM file, such as the output of base64 -w0 ca.pem';

/**
 * Validates `trustedCa`. `value` is the string as submitted, `p` its pointer, `now` the clock to judge validity by.
 */
export function validateTrustedCa(value: string, p: string, now: Date): TrustedCaResult {
  const findings: Finding[] = [];
  const result: TrustedCaResult = { findings, certificates: [] };
  const add = (code: Parameters<typeof finding>[0], message: string) => findings.push(finding(code, p, message));

  if (value.trim() === '') {
    add('TRUSTED_CA_NOT_PEM', `trustedCa is empty and ${AKS_PEM_ERROR}; remove the field, or ${HOW_TO_ENCODE}.`);
    return result;
  }
  const size = Buffer.byteLength(value, 'utf8');
  let tooLargeReported = false;
  const reportTooLarge = (bytes: number, what: string) => {
    if (tooLargeReported) return;
    tooLargeReported = true;
    add(
      'TRUSTED_CA_TOO_LARGE',
      `trustedCa is ${(bytes / 1024).toFixed(1)} KB ${what}, over the ${MAX_TRUSTED_CA_BYTES / 1024} KB AKS allows (counted on the base64 text, the stricter reading: AKS does not say whether its limit is on the base64 text or the PEM); keep only the CA certificates the proxy's chain needs.`,
    );
  };
  if (size > MAX_TRUSTED_CA_BYTES) reportTooLarge(size, 'as submitted');
  if (size > TRUSTED_CA_ANALYSIS_LIMIT) return result;

  // 1. From the submitted string to PEM text.
  let text: string;
  let derOnly: Buffer | null = null;
  if (value.includes('-----BEGIN ')) {
    add('TRUSTED_CA_NOT_ENCODED', `trustedCa holds PEM text as is, but it must be base64-encoded; ${HOW_TO_ENCODE}.`);
    text = value;
  } else {
    const compact = value.replace(/[\r\n]/g, '');
    const problem = base64Problem(compact);
    if (problem !== null) {
      add('TRUSTED_CA_BASE64', `trustedCa is not valid base64 because ${problem}; ${HOW_TO_ENCODE}.`);
      return result;
    }
    const decoded = Buffer.from(compact, 'base64');
    const latin1 = decoded.toString('latin1');
    if (latin1.includes('-----BEGIN ')) {
      text = latin1;
    } else {
      const inner = latin1.replace(/[\r\n]/g, '');
      if (inner.length > 0 && STRICT_BASE64.test(inner) && Buffer.from(inner, 'base64').toString('latin1').includes('-----BEGIN ')) {
        add('TRUSTED_CA_NOT_PEM', `trustedCa is base64-encoded twice, so it decodes to base64 rather than PEM and ${AKS_PEM_ERROR}; encode the PEM file only once.`);
      } else if (decoded.length > 0 && decoded[0] === 0x30 && isDerPrivateKey(decoded)) {
        add(
          'TRUSTED_CA_PRIVATE_KEY',
          `trustedCa decodes to a private key in DER (binary) form, not to PEM CA certificates, and ${AKS_PEM_ERROR}; remove it (it was not stored or shown), treat the key as compromised, and ${HOW_TO_ENCODE}.`,
        );
      } else if (decoded.length > 0 && decoded[0] === 0x30) {
        add(
          'TRUSTED_CA_NOT_PEM',
          `trustedCa decodes to DER (binary) rather than PEM and ${AKS_PEM_ERROR}; convert it with openssl x509 -inform der -in ca.der -out ca.pem, then ${HOW_TO_ENCODE}.`,
        );
        derOnly = decoded;
      } else {
        add('TRUSTED_CA_NOT_PEM', `trustedCa decodes to something other than PEM certificates and ${AKS_PEM_ERROR}; ${HOW_TO_ENCODE}.`);
      }
      if (!derOnly) return result;
    }
    text = derOnly ? '' : latin1;
  }

  // 2. From PEM text to DER certificates.
  const ders: { der: Buffer; n: number }[] = [];
  if (derOnly) {
    ders.push({ der: derOnly, n: 1 });
  } else {
    const blocks = pemBlocks(text);
    const keyBlocks: number[] = [];
    let certificateCount = 0;
    blocks.forEach((block, i) => {
      if (block.label.includes('PRIVATE KEY')) {
        keyBlocks.push(i + 1);
        return;
      }
      const n = i + 1;
      if (!block.terminated) {
        add('TRUSTED_CA_PARSE', `PEM block ${n} of trustedCa (${show(block.label)}) has no matching END line; add the missing -----END ${block.label}----- line or remove the block.`);
        if (block.label === 'CERTIFICATE') certificateCount++;
        return;
      }
      if (block.label !== 'CERTIFICATE') {
        add(
          'TRUSTED_CA_PARSE',
          block.label === 'TRUSTED CERTIFICATE'
            ? `PEM block ${n} of trustedCa is an OpenSSL TRUSTED CERTIFICATE, which AKS does not read; convert it to a plain CERTIFICATE with openssl x509 -in ca.pem -out plain.pem.`
            : `PEM block ${n} of trustedCa is ${show(block.label)}, not a CERTIFICATE; remove it, since every block must be a CA certificate.`,
        );
        return;
      }
      const ordinal = ++certificateCount;
      const body = block.body.replace(/\s/g, '');
      if (!STRICT_BASE64.test(body) || body === '') {
        add('TRUSTED_CA_PARSE', `Certificate ${ordinal} of trustedCa is not valid base64 between its BEGIN and END lines; replace it with the PEM file your CA issued.`);
        return;
      }
      ders.push({ der: Buffer.from(body, 'base64'), n: ordinal });
    });
    // A "PRIVATE KEY" marker anywhere (even in a block without END) counts: the key is never kept.
    if (keyBlocks.length > 0 || /-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----/.test(text)) {
      add(
        'TRUSTED_CA_PRIVATE_KEY',
        `trustedCa contains a private key${keyBlocks.length > 0 ? ` (PEM block ${keyBlocks.join(', ')})` : ''}, which must never leave its owner; remove it (it was not stored or shown) and treat the key as compromised.`,
      );
    }
    if (certificateCount === 0) {
      add('TRUSTED_CA_NOT_PEM', `trustedCa holds no PEM CERTIFICATE block, so ${AKS_PEM_ERROR}; ${HOW_TO_ENCODE}.`);
    }
    if (certificateCount > MAX_TRUSTED_CA_CERTIFICATES) {
      add(
        'TRUSTED_CA_TOO_MANY',
        `trustedCa holds ${certificateCount} certificates, more than the ${MAX_TRUSTED_CA_CERTIFICATES} AKS allows; keep only the CAs that issue your proxy's certificates.`,
      );
    }
  }

  // 3. Each certificate. A bundle far over the limit is already invalid (TRUSTED_CA_TOO_MANY); parsing only the
  // first certificates of it keeps one request from holding the event loop for long.
  const nowMs = now.getTime();
  const byFingerprint = new Map<string, { der: Buffer; facts: CertificateFacts }>();
  if (ders.length > MAX_CERTIFICATES_CHECKED) {
    add(
      'TRUSTED_CA_TOO_MANY',
      `Only the first ${MAX_CERTIFICATES_CHECKED} of the ${ders.length} certificates of trustedCa were checked; cut the bundle down to the CAs your proxy needs and validate again.`,
    );
    ders.length = MAX_CERTIFICATES_CHECKED;
  }
  for (const { der, n } of ders) {
    const fingerprint = sha256Hex(der);
    const facts = certificateFacts(der, fingerprint);
    if (!facts) {
      if (derOnly) continue; // already reported as TRUSTED_CA_NOT_PEM
      add('TRUSTED_CA_PARSE', `Certificate ${n} of trustedCa does not parse as an X.509 certificate; replace it with the PEM file your CA issued.`);
      continue;
    }
    const label = `Certificate ${n} (${facts.label})`;
    if (!facts.hasSan) {
      add(
        'TRUSTED_CA_NO_SAN',
        `${label} has no Subject Alternative Name extension, and the Go components on the nodes refuse CN-only certificates; reissue it with a SAN such as DNS:<its name>.`,
      );
    }
    if (Number.isFinite(nowMs)) {
      if (nowMs > facts.notAfterMs) {
        add('TRUSTED_CA_EXPIRED', `${label} expired on ${facts.description.notAfter}; replace it with its renewed certificate.`);
      } else if (nowMs < facts.notBeforeMs) {
        add(
          'TRUSTED_CA_NOT_YET_VALID',
          `${label} is not valid before ${facts.description.notBefore}; use a certificate that is valid now, or check the clock of the machine that issued it.`,
        );
      } else if (facts.notAfterMs - nowMs <= TRUSTED_CA_EXPIRING_DAYS * DAY_MS) {
        const days = Math.floor((facts.notAfterMs - nowMs) / DAY_MS);
        add(
          'TRUSTED_CA_EXPIRING',
          `${label} expires on ${facts.description.notAfter} (in ${days} day${days === 1 ? '' : 's'}); add its renewed certificate to trustedCa before then.`,
        );
      }
    }
    if (facts.basicConstraints !== 'ca') {
      add(
        'TRUSTED_CA_NOT_CA',
        `${label} is not a CA certificate (its basicConstraints ${facts.basicConstraints === 'absent' ? 'extension is missing' : 'say CA:FALSE'}); trust the CA that issued the proxy's certificate rather than a leaf certificate.`,
      );
    }
    if (facts.weakSignature) {
      add('TRUSTED_CA_WEAK_SIGNATURE', `${label} is signed with ${facts.weakSignature}, which current clients distrust; reissue it with SHA-256 or stronger.`);
    }
    if (facts.rsaBits !== null && facts.rsaBits < MIN_RSA_KEY_BITS) {
      add('TRUSTED_CA_WEAK_KEY', `${label} has a ${facts.rsaBits}-bit RSA key, below the ${MIN_RSA_KEY_BITS} bits current clients require; reissue it with a larger key.`);
    }
    if (!byFingerprint.has(fingerprint)) byFingerprint.set(fingerprint, { der, facts });
  }

  // 4. Canonical form and descriptions.
  if (byFingerprint.size > 0) {
    const sorted = [...byFingerprint.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    const canonicalText = sorted.map(([, { der }]) => toPem(der)).join('');
    result.normalized = Buffer.from(canonicalText, 'utf8').toString('base64');
    result.certificates = sorted.map(([, { facts }]) => ({ ...facts.description, subjectAltNames: [...facts.description.subjectAltNames] }));
    const canonicalSize = result.normalized.length;
    if (canonicalSize > MAX_TRUSTED_CA_BYTES) reportTooLarge(canonicalSize, 'once re-encoded as base64');
  }
  return result;
}
