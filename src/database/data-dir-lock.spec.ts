import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DataDirLockedError, lockDataDir } from './data-dir-lock';

describe('lockDataDir', () => {
  const children: ReturnType<typeof spawn>[] = [];
  afterEach(() => children.forEach((c) => c.kill('SIGKILL')));

  it('takes a free directory and releases it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'lock-'));
    const release = lockDataDir(dir);
    expect(readFileSync(join(dir, 'service.lock'), 'utf8')).toBe(`${process.pid}@${hostname()}`);
    release();
    expect(existsSync(join(dir, 'service.lock'))).toBe(false);
  });

  it('refuses a directory that a live process holds, naming the problem', () => {
    const dir = mkdtempSync(join(tmpdir(), 'lock-'));
    const other = spawn('sleep', ['30']);
    children.push(other);
    writeFileSync(join(dir, 'service.lock'), `${other.pid}@${hostname()}`);
    expect(() => lockDataDir(dir)).toThrow(DataDirLockedError);
    expect(() => lockDataDir(dir)).toThrow(/in use by another process.*one process per data directory/);
  });

  it('a lock from another host (a recreated container) is refused while fresh and taken over once stale', () => {
    const dir = mkdtempSync(join(tmpdir(), 'lock-'));
    const file = join(dir, 'service.lock');
    writeFileSync(file, '1@3f2a9c0e1b2d');
    expect(() => lockDataDir(dir)).toThrow(/in use by another process \(1@3f2a9c0e1b2d, lock refreshed 0 s ago\)/);
    const twoMinutesAgo = new Date(Date.now() - 120_000);
    utimesSync(file, twoMinutesAgo, twoMinutesAgo);
    const release = lockDataDir(dir);
    expect(readFileSync(file, 'utf8')).toBe(`${process.pid}@${hostname()}`);
    release();
  });

  it('the holder keeps its lock fresh', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lock-'));
    const file = join(dir, 'service.lock');
    const release = lockDataDir(dir, { heartbeatMs: 20, staleMs: 1_000 });
    const old = new Date(Date.now() - 120_000);
    utimesSync(file, old, old);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(Date.now() - statSync(file).mtimeMs).toBeLessThan(1_000);
    release();
    expect(existsSync(file)).toBe(false);
  });

  it('takes over the lock of a process that died (kill -9)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lock-'));
    const other = spawn('sleep', ['30']);
    writeFileSync(join(dir, 'service.lock'), `${other.pid}@${hostname()}`);
    other.kill('SIGKILL');
    await new Promise((resolve) => other.on('exit', resolve));
    const release = lockDataDir(dir);
    expect(readFileSync(join(dir, 'service.lock'), 'utf8')).toBe(`${process.pid}@${hostname()}`);
    release();
  });
});
