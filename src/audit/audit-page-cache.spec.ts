import { describe, expect, it } from 'vitest';
import { AuditPageCache } from './audit-page-cache';

describe('AuditPageCache', () => {
  it('keeps pages up to its byte limit, dropping the least recently used first', () => {
    const cache = new AuditPageCache(30);
    cache.set('a', { body: 'x'.repeat(9), nextCursor: 'c1' }); // 10 bytes with its key
    cache.set('b', { body: 'y'.repeat(9), nextCursor: 'c2' });
    cache.set('c', { body: 'z'.repeat(9), nextCursor: 'c3' });
    expect(cache.size).toBe(30);
    expect(cache.get('a')?.nextCursor).toBe('c1'); // a is now the most recently used
    cache.set('d', { body: 'w'.repeat(9), nextCursor: 'c4' });
    expect(cache.get('b')).toBeUndefined();
    expect(cache.get('a')?.body).toBe('x'.repeat(9));
    expect(cache.get('d')?.nextCursor).toBe('c4');
    expect(cache.size).toBe(30);
  });

  it('never holds a page bigger than the limit, and counts a replaced page once', () => {
    const cache = new AuditPageCache(30);
    cache.set('big', { body: 'x'.repeat(40), nextCursor: null });
    expect(cache.get('big')).toBeUndefined();
    expect(cache.size).toBe(0);
    cache.set('a', { body: 'x'.repeat(9), nextCursor: null });
    cache.set('a', { body: 'y'.repeat(4), nextCursor: null });
    expect(cache.size).toBe(5);
  });
});
