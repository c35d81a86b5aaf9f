import { describe, expect, it } from 'vitest';
import { explain } from './index';
import { renderExplainMarkdown } from './markdown';

describe('renderExplainMarkdown', () => {
  const result = explain({ httpProxy: 'http://proxy:3128/', noProxy: ['.corp.example', 'a|b.example'] }, [
    'https://corp.example/',
    'https://a.corp.example/',
    'not a url',
  ]);
  const md = renderExplainMarkdown(result);

  it('has one table per URL with a row per client', () => {
    expect(md.match(/^\| Client \| Route \| Why \|$/gm)).toHaveLength(2);
    for (const label of ['Go', 'curl', 'Python urllib', 'Python requests', 'Node (undici)', 'Ruby'])
      expect(md.match(new RegExp(`^\\| ${label.replace(/[()]/g, '\\$&')} \\|`, 'gm'))).toHaveLength(2);
  });
  it('says whether clients agree', () => {
    expect(md).toContain('**Clients disagree**: 2 of 6 use a proxy, 4 go direct.');
    expect(md).toContain('All clients go direct.');
  });
  it('keeps every table row on one line with escaped pipes', () => {
    const rows = md.split('\n').filter((l) => l.startsWith('| '));
    for (const row of rows) expect(row.replace(/\\\|/g, '').split('|')).toHaveLength(5);
    expect(md).toContain('`a\\|b.example`');
  });
  it('shows the proxy in a code span and invalid URLs as a sentence', () => {
    expect(md).toContain('| Go | proxy `http://proxy:3128/` |');
    expect(md).toContain('Cannot explain: invalid URL: the URL contains whitespace or control characters');
  });
  it('is stable', () => {
    expect(renderExplainMarkdown(result)).toBe(md);
  });
});
