import { describe, expect, it } from 'vitest';
import { explain } from './index';
import { renderExplainMarkdown } from './markdown';
import { proxyEndpoint } from './url';
import { makesNoRequest } from './types';
import { chatProblems, slackVisible, teamsVisible } from '../../../test/support/chat-renderers';
import { curlProxyForUrl, goProxyForUrl, requestsProxyForUrl, rubyFindProxy, undiciProxyForUrl } from './index';

describe('renderExplainMarkdown', () => {
  const result = explain({ httpProxy: 'http://proxy:3128/', noProxy: ['.corp.example', 'a|b.example'] }, [
    'https://corp.example/',
    'https://a.corp.example/',
    'not a url',
  ]);
  const md = renderExplainMarkdown(result);

  it('has one list per URL with an item per client (no tables: Slack and Teams text messages show none)', () => {
    for (const label of ['Go', 'curl', 'Python urllib', 'Python requests', 'Node (undici)', 'Ruby'])
      expect(md.match(new RegExp(`^- ${label.replace(/[()]/g, '\\$&')}: `, 'gm'))).toHaveLength(2);
    expect(md).not.toMatch(/^\|/m);
  });
  it('uses only what Slack mrkdwn and Teams Markdown both render', () => {
    expect(chatProblems(md)).toEqual([]);
    expect(teamsVisible(md).replace(/^\u2022 /gm, '- ')).toBe(slackVisible(md));
    expect(slackVisible(md)).toContain('- Go: proxy http://proxy:3128/. Why: no NO_PROXY entry matched; HTTPS_PROXY used');
  });
  it('says whether clients agree', () => {
    expect(md).toContain('URL `https://corp.example/`: Clients disagree: 2 of 6 use a proxy, 4 go direct.');
    expect(md).toContain('URL `https://a.corp.example/`: All clients go direct.');
  });
  it('shows the proxy in a code span and invalid URLs as a sentence', () => {
    expect(md).toContain('- Go: proxy `http://proxy:3128/`. Why: ');
    expect(md).toContain('URL `not a url`: cannot explain: invalid URL: the URL contains whitespace or control characters');
    expect(md).toContain('`a|b.example`');
  });
  it('is stable', () => {
    expect(renderExplainMarkdown(result)).toBe(md);
  });
});

describe('renderExplainMarkdown: agreement', () => {
  const sentence = (md: string) => md.split('\n').filter((l) => l.startsWith('URL ')).map((l) => l.replace(/^URL `[^`]*`: /, ''));
  it('one proxy spelled two ways (undici drops the default port) is the same proxy', () => {
    const md = renderExplainMarkdown(explain({ httpProxy: 'http://Proxy.Corp:80/' }, ['http://a.example/', 'https://b.example/']));
    expect(md).toContain('- Node (undici): proxy `http://proxy.corp/`.');
    expect(md).toContain('- Go: proxy `http://Proxy.Corp:80/`.');
    expect(sentence(md)).toEqual(['All clients use the same proxy.', 'All clients use the same proxy.']);
  });
  it('different proxies disagree even when every client uses one', () => {
    const r = explain({ httpProxy: 'http://p:3128/' }, ['http://a.example/']);
    r.results[0]!.clients!.ruby = { proxy: 'http://q:3128/', reason: 'test' };
    expect(sentence(renderExplainMarkdown(r))).toEqual(['Clients disagree: 6 of 6 use a proxy (2 different proxies), 0 go direct.']);
  });
  it('says "1 goes direct" (Ruby alone bypasses 10.0.0.1 through the token "1" of "::1")', () => {
    const md = renderExplainMarkdown(explain({ httpProxy: 'http://p:3128/', noProxy: ['::1'] }, ['http://10.0.0.1/']));
    expect(sentence(md)).toEqual(['Clients disagree: 5 of 6 use a proxy, 1 goes direct.']);
  });
  it('shows clients that make no request as "no request" and does not count them as direct', () => {
    // Ruby's URI parser refuses a non-ASCII host and makes no request; the others proxy.
    const md = renderExplainMarkdown(explain({ httpProxy: 'http://p:3128/' }, ['http://bücher.example/']));
    expect(md).toContain('- Ruby: no request. Why: ');
    expect(md).toContain('- Go: proxy `http://p:3128/`.');
    expect(sentence(md)).toEqual(['All clients that make a request use the same proxy; 1 makes no request.']);
  });
  it('all clients that make a request agree: the sentence says so and counts the others', () => {
    const r = explain({ httpProxy: 'http://p:3128/' }, ['http://a.example/']);
    r.results[0]!.clients!.go = { error: 'no request', reason: 'invalid URL: Go cannot parse it, no request is made' };
    expect(sentence(renderExplainMarkdown(r))).toEqual(['All clients that make a request use the same proxy; 1 makes no request.']);
  });
});

describe('proxyEndpoint', () => {
  it.each([
    ['http://Proxy.Corp:80/', 'http://proxy.corp:80'],
    ['http://proxy.corp/', 'http://proxy.corp:80'],
    ['HTTP://proxy.corp', 'http://proxy.corp:80'],
    ['proxy.corp:3128', 'http://proxy.corp:3128'],
    ['https://u:p@proxy.corp/x', 'https://proxy.corp:443'],
    ['socks5://s', 'socks5://s:1080'],
    ['http://[FD00:0::1]:3128/', 'http://[fd00::1]:3128'],
    ['http://127.1:3128', 'http://127.0.0.1:3128'],
    ['http://bücher.example/', 'http://xn--bcher-kva.example:80'],
  ])('%s -> %s', (proxy, endpoint) => {
    expect(proxyEndpoint(proxy)).toBe(endpoint);
  });
});

describe('makesNoRequest: every model says "no request" when it makes none', () => {
  it.each([
    ['node-undici ftp', undiciProxyForUrl('ftp://a/', { http_proxy: 'http://p/' })],
    ['node-undici bad proxy value', undiciProxyForUrl('http://a/', { http_proxy: 'http://[x' })],
    ['go CGI', goProxyForUrl('http://a/', { HTTP_PROXY: 'http://p/', REQUEST_METHOD: 'GET' })],
    ['ruby non-ASCII', rubyFindProxy('http://bücher.example/', { http_proxy: 'http://p/' })],
    ['curl unknown scheme', curlProxyForUrl('foo://a/', { http_proxy: 'http://p/' })],
    ['requests ws', requestsProxyForUrl('ws://a/', { http_proxy: 'http://p/' })],
  ])('%s', (_name, verdict) => {
    expect(makesNoRequest(verdict)).toBe(true);
  });
  it('a direct request is not "no request"', () => {
    expect(makesNoRequest(goProxyForUrl('http://a/', {}))).toBe(false);
    expect(makesNoRequest(rubyFindProxy('http://a/', {}))).toBe(false);
  });
});
