// Proxy configs for the bench and the fault clients (CA bundles: caBundle of ./certificates.mjs).

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
