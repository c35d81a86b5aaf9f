import { Writable } from 'node:stream';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { BatchedDestination, createLogger, LazyChildLogger, requestLogWriter } from './logger';

const sink = () => {
  const chunks: string[] = [];
  return { chunks, dest: { write: (chunk: string) => void chunks.push(chunk), flushSync: vi.fn() } };
};

describe('BatchedDestination', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('holds lines back until the batch is full, then writes them in one write, in order', () => {
    const { chunks, dest } = sink();
    const out = new BatchedDestination(dest, 30, 50);
    out.write('line 1 ........\n');
    expect(chunks).toEqual([]);
    out.write('line 2 ........\n');
    expect(chunks).toEqual(['line 1 ........\nline 2 ........\n']);
  });

  it('writes a lone line once it has waited the batch time, and nothing when nothing is pending', () => {
    vi.useFakeTimers();
    const { chunks, dest } = sink();
    const out = new BatchedDestination(dest, 16_384, 50);
    out.write('a\n');
    out.write('b\n');
    vi.advanceTimersByTime(49);
    expect(chunks).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(chunks).toEqual(['a\nb\n']);
    vi.advanceTimersByTime(1_000);
    expect(chunks).toEqual(['a\nb\n']);
  });

  it('flushSync hands over what is pending and flushes the destination (process exit)', () => {
    const { chunks, dest } = sink();
    const out = new BatchedDestination(dest, 16_384, 50);
    out.write('last words\n');
    out.flushSync();
    expect(chunks).toEqual(['last words\n']);
    expect(dest.flushSync).toHaveBeenCalledOnce();
  });
});

describe('the request log line', () => {
  const capture = (level: 'info' | 'warn' = 'info') => {
    const lines: string[] = [];
    const logger = createLogger(level, new Writable({ write: (chunk, _enc, done) => (lines.push(String(chunk)), done()) }));
    return { lines, logger };
  };
  const fields = { reqId: 'r-1', method: 'GET', route: '/v1/clusters/:name', url: '/v1/clusters/a?x="quoted"\\', status: 404, ms: 1.5, actor: 'sam', via: undefined, code: 'CLUSTER_NOT_FOUND' };

  it('is what pino writes for logger.info(fields, "request"), but for the time', () => {
    const fast = capture();
    requestLogWriter(fast.logger)(fields);
    const slow = capture();
    slow.logger.info(fields, 'request');
    const withoutTime = (line: string) => line.replace(/"time":"[^"]+"/, '"time":"T"');
    expect(fast.lines).toHaveLength(1);
    expect(withoutTime(fast.lines[0]!)).toBe(withoutTime(slow.lines[0]!));
    expect(JSON.parse(fast.lines[0]!)).toMatchObject({ level: 'info', service: 'aks-proxy-config', reqId: 'r-1', status: 404, code: 'CLUSTER_NOT_FOUND', msg: 'request' });
    expect(Date.parse(JSON.parse(fast.lines[0]!).time)).not.toBeNaN();
  });

  it('is not written below the logger level', () => {
    const { lines, logger } = capture('warn');
    requestLogWriter(logger)(fields);
    expect(lines).toEqual([]);
  });
});

describe('LazyChildLogger', () => {
  it('logs with the bindings it was given, making the child only when used', () => {
    const lines: string[] = [];
    const parent = createLogger('info', new Writable({ write: (chunk, _enc, done) => (lines.push(String(chunk)), done()) }));
    const child = vi.spyOn(parent, 'child');
    const lazy = new LazyChildLogger(parent, { reqId: 'r-2' }, {});
    expect(child).not.toHaveBeenCalled();
    lazy.warn({ err: 'boom' }, 'something');
    lazy.info('again');
    expect(child).toHaveBeenCalledOnce();
    expect(lines.map((l) => JSON.parse(l))).toMatchObject([
      { level: 'warn', reqId: 'r-2', err: 'boom', msg: 'something' },
      { level: 'info', reqId: 'r-2', msg: 'again' },
    ]);
  });
});
