// Proxy configs for the bench and the fault clients, and a CA bundle made with the openssl CLI.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * `count` self-signed EC P-256 CA certificates that the service accepts without an error: subjectAltName,
 * basicConstraints CA:TRUE, valid from now for a year. Returns the PEM bundle and its base64 (a trustedCa value).
 */
export function caBundle(dir, count = 20) {
  const pems = [];
  for (let i = 1; i <= count; i++) {
    const key = join(dir, `ca${i}.key`);
    const crt = join(dir, `ca${i}.pem`);
    execFileSync(
      'openssl',
      [
        'req', '-x509', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-sha256', '-days', '365',
        '-keyout', key, '-out', crt, '-subj', `/CN=Bench Proxy CA ${i}/O=AKS Proxy Bench`,
        '-addext', `subjectAltName=DNS:bench-ca-${i}.aks-proxy.test`,
        '-addext', 'basicConstraints=critical,CA:TRUE',
        '-addext', 'keyUsage=critical,keyCertSign,cRLSign',
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    pems.push(readFileSync(crt, 'utf8'));
  }
  const pem = pems.join('');
  return { pems, pem, base64: Buffer.from(pem, 'utf8').toString('base64') };
}

/** A small everyday config; `tag` makes it distinct (a different noProxy entry, so a different content hash). */
export function plainConfig(tag = '') {
  return {
    httpProxy: 'http://proxy.corp.example:3128',
    httpsProxy: 'http://proxy.corp.example:3128',
    noProxy: ['localhost', '127.0.0.1', '.corp.example', '10.0.0.0/8', 'mcr.microsoft.com', ...(tag === '' ? [] : [`h-${tag}.svc.corp.example`])],
  };
}

/** `count` distinct, valid noProxy entries: host names, leading-dot domains and IPs. */
export function noProxyEntries(count, salt = '') {
  const out = [];
  for (let i = 0; i < count; i++) {
    const kind = i % 4;
    if (kind === 0) out.push(`svc-${salt}${i}.corp.example`);
    else if (kind === 1) out.push(`.team-${salt}${i}.internal.example`);
    else if (kind === 2) out.push(`10.${(i >> 8) & 255}.${i & 255}.${salt ? 7 : 9}`);
    else out.push(`api-${salt}${i}.partner.example`);
  }
  return out;
}

/** The big config: a 20-certificate bundle and 500 noProxy entries. */
export function bigConfig(trustedCaBase64, { noProxyCount = 500, salt = '' } = {}) {
  return {
    httpProxy: 'http://proxy.corp.example:3128',
    httpsProxy: 'http://proxy.corp.example:3129',
    noProxy: noProxyEntries(noProxyCount, salt),
    trustedCa: trustedCaBase64,
  };
}
