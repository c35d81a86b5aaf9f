import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { checkWebhookUrl, forbiddenAddress } from './address-guard';
import { retryDelayMs } from './backoff';
import { SecretBox, WebhookKeyError } from './secret-box';
import { subscriptionMatches } from './webhook-actions';

describe('forbiddenAddress', () => {
  it.each([
    ['127.0.0.1', 'loopback'],
    ['::1', 'loopback'],
    ['::ffff:127.0.0.1', 'loopback'],
    ['10.0.0.1', 'private'],
    ['172.31.255.255', 'private'],
    ['192.168.1.1', 'private'],
    ['fd12:3456::1', 'unique local'],
    ['169.254.169.254', 'metadata'],
    ['168.63.129.16', 'metadata'],
    ['fd00:ec2::254', 'metadata'],
    ['fe80::1', 'link-local'],
    ['169.254.10.10', 'link-local'],
    ['100.64.1.1', 'carrier-grade'],
    ['0.0.0.0', 'unspecified'],
    ['224.0.0.1', 'reserved'],
  ])('%s is refused (%s)', (address, what) => {
    expect(forbiddenAddress(address)).toMatch(new RegExp(what.split(' ')[0]));
  });
  it.each(['8.8.8.8', '20.50.2.1', '2a01:111:f400::1'])('%s is allowed', (address) => {
    expect(forbiddenAddress(address)).toBeNull();
  });
});

describe('checkWebhookUrl', () => {
  it('takes http(s) URLs of public hosts and names', () => {
    expect(checkWebhookUrl('https://hooks.slack.com/services/T/B/x', false)).toEqual({ ok: true });
    expect(checkWebhookUrl('http://203.0.113.9.example.net:8080/hook?x=1', false)).toEqual({ ok: true });
  });
  it('refuses other schemes, user info, literal private addresses and localhost names', () => {
    for (const url of ['ftp://x.example/', 'https://u:p@x.example/', 'https://u@x.example/', 'http://[::1]:80/', 'http://10.0.0.1/', 'http://localhost/', 'http://a.localhost/', 'x']) {
      expect(checkWebhookUrl(url, false).ok, url).toBe(false);
    }
  });
  it('WEBHOOK_ALLOW_PRIVATE allows private literals but still refuses user info and other schemes', () => {
    expect(checkWebhookUrl('http://127.0.0.1:9/x', true).ok).toBe(true);
    expect(checkWebhookUrl('https://u:p@127.0.0.1/', true).ok).toBe(false);
    expect(checkWebhookUrl('file:///etc/passwd', true).ok).toBe(false);
  });
});

describe('retryDelayMs', () => {
  it('the first retry comes within 30 s and 8 attempts span about a day', () => {
    for (const r of [0, 0.5, 0.999]) expect(retryDelayMs(1, 20_000, () => r)).toBeLessThanOrEqual(30_000);
    const total = (r: number) => Array.from({ length: 7 }, (_, i) => retryDelayMs(i + 1, 20_000, () => r)).reduce((a, b) => a + b, 0);
    expect(total(0) / 3600_000).toBeGreaterThan(10);
    expect(total(1) / 3600_000).toBeLessThan(31);
    expect(total(0.5) / 3600_000).toBeGreaterThan(18);
  });
  it('grows exponentially, with jitter', () => {
    expect(retryDelayMs(3, 100, () => 1)).toBe(1600);
    expect(retryDelayMs(3, 100, () => 0)).toBe(800);
    expect(retryDelayMs(40, 100, () => 1)).toBe(24 * 3600_000);
  });
});

describe('SecretBox', () => {
  it('opens what it sealed, for the same webhook only, and not with another key', () => {
    const key = randomBytes(32);
    const box = new SecretBox(key);
    const sealed = box.seal('whsec_abc', 'id-1');
    expect(sealed).not.toContain('whsec_abc');
    expect(box.open(sealed, 'id-1')).toBe('whsec_abc');
    expect(() => box.open(sealed, 'id-2')).toThrow(WebhookKeyError);
    expect(() => new SecretBox(randomBytes(32)).open(sealed, 'id-1')).toThrow(WebhookKeyError);
    expect(box.seal('whsec_abc', 'id-1')).not.toBe(sealed); // a fresh IV each time
  });
});

describe('subscriptionMatches', () => {
  const e = (action: string, cluster: string | null) => ({ action, cluster });
  it('filters by action and cluster; "*" takes every action; a cluster filter drops events without a cluster', () => {
    expect(subscriptionMatches({ events: ['*'], clusters: [] }, e('apikey.created', null))).toBe(true);
    expect(subscriptionMatches({ events: ['config.approved'], clusters: [] }, e('config.submitted', 'a'))).toBe(false);
    expect(subscriptionMatches({ events: ['*'], clusters: ['a'] }, e('config.submitted', 'A'))).toBe(true);
    expect(subscriptionMatches({ events: ['*'], clusters: ['a'] }, e('config.submitted', 'b'))).toBe(false);
    expect(subscriptionMatches({ events: ['*'], clusters: ['a'] }, e('person.updated', null))).toBe(false);
    expect(subscriptionMatches({ events: ['*'], clusters: [] }, e('some.future.action', null))).toBe(true);
  });
});
