import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';

/** The built service (dist/main.js): the crash tests run it as a child process and kill it with SIGKILL. */
export const ROOT = resolve(__dirname, '..', '..');
export const MAIN = join(ROOT, 'dist', 'main.js');
export const BUILT = existsSync(MAIN);

export interface RunningService {
  proc: ChildProcess;
  url: string;
  exited: Promise<unknown>;
}

/** A port that was free a moment ago on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const srv = createServer();
    srv.on('error', fail);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => done(port));
    });
  });
}

/**
 * Starts and tracks child processes of the built service with one admin token; `killAll` (for afterAll) kills what
 * is still running.
 */
export class BuiltServices {
  private readonly children: ChildProcess[] = [];

  constructor(private readonly adminToken: string) {}

  /** Starts the service with `env` (DATABASE_URL only when `env` gives it) and waits until /readyz answers 200. */
  async start(env: Record<string, string>): Promise<RunningService> {
    const port = await freePort();
    const inherited = { ...process.env };
    delete inherited.DATABASE_URL;
    const proc = spawn(process.execPath, [MAIN], {
      cwd: ROOT,
      env: { ...inherited, ...env, PORT: String(port), HOST: '127.0.0.1', ADMIN_TOKEN: this.adminToken, RATE_LIMIT_PER_MINUTE: '0', LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    this.children.push(proc);
    let stderr = '';
    proc.stderr?.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-2_000)));
    const exited = new Promise((r) => proc.once('exit', r));
    const url = `http://127.0.0.1:${port}`;
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline) {
      if (proc.exitCode !== null || proc.signalCode !== null) throw new Error(`the service exited at start-up: ${stderr}`);
      try {
        const res = await fetch(`${url}/readyz`, { signal: AbortSignal.timeout(2_000) });
        if (res.status === 200) return { proc, url, exited };
      } catch {
        /* not listening yet */
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    proc.kill('SIGKILL');
    throw new Error(`the service was not ready within 60 s: ${stderr}`);
  }

  killAll(): void {
    for (const c of this.children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  }
}
