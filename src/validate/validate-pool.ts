import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { ClusterContext } from '../domain/proxy-config';
import type { ValidateJob, ValidateJobResult } from './validate.worker';

/** The compiled worker next to this module (dist/validate/validate.worker.js); absent when running from TS sources. */
export const WORKER_FILE = join(__dirname, 'validate.worker.js');

/** The worker's V8 heap limits (MB). */
export const WORKER_HEAP = { maxYoungGenerationSizeMb: 2, maxOldGenerationSizeMb: 32 } as const;

/**
 * A worker with no job for this long stops (the next big validation starts a new one, some tens of milliseconds): a
 * running worker holds about 25 MB of the process's memory (its own V8 heap and code).
 */
export const WORKER_IDLE_MS = 30_000;

/**
 * One worker thread that runs the domain validation of large configs (a 20-certificate bundle with 500 noProxy
 * entries costs several milliseconds of CPU), so the event loop keeps serving other requests meanwhile instead of
 * stalling for the whole batch of big validations that arrived together. Jobs queue in the worker in order. The
 * worker starts on first use, stops after WORKER_IDLE_MS without a job, does not keep the process alive, and is
 * started again after it dies (its jobs fail: the caller validates them in-process).
 * The answer is JSON.stringify of the same ValidationResult the main thread would have made, as UTF-8 bytes moved
 * from the worker (no copy, and no encoding on the main thread), so the response is byte-identical. `run` returns null when there is no worker file (tests on the TS sources): the caller validates
 * in-process then.
 */
export class ValidatePool {
  private worker: Worker | null = null;
  /** The jobs sent to the current worker (a worker that dies fails its own jobs only, not its successor's). */
  private pending = new Map<number, { resolve: (json: Buffer) => void; reject: (err: Error) => void }>();
  private nextId = 1;
  private readonly available: boolean;
  private idleTimer: NodeJS.Timeout | null = null;

  constructor(
    private readonly file = WORKER_FILE,
    private readonly heap: { maxYoungGenerationSizeMb: number; maxOldGenerationSizeMb: number } = WORKER_HEAP,
    private readonly idleMs = WORKER_IDLE_MS,
  ) {
    this.available = existsSync(file);
  }

  /** The result's JSON text in UTF-8, or null when no worker can run here. */
  run(config: unknown, now: Date, cluster: ClusterContext | null): Promise<Buffer> | null {
    if (!this.available) return null;
    const worker = this.start();
    this.stopIdleTimer();
    const id = this.nextId++;
    const job: ValidateJob = { id, config, now, cluster };
    return new Promise<Buffer>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      try {
        worker.postMessage(job);
      } catch (err) {
        // e.g. a value structured clone cannot copy; JSON-parsed bodies never hold one
        this.pending.delete(id);
        if (this.pending.size === 0) this.whenIdle(worker);
        reject(err instanceof Error ? err : new Error(String(err)));
      }
    });
  }

  /** Stops the worker (jobs in flight fail). */
  async close(): Promise<void> {
    this.stopIdleTimer();
    const worker = this.worker;
    this.worker = null;
    if (worker) await worker.terminate();
  }

  /** Whether a worker thread is running (for tests). */
  get running(): boolean {
    return this.worker !== null;
  }

  private stopIdleTimer(): void {
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = null;
  }

  /** Called when the worker has no job left: it stops unless a job arrives within idleMs. */
  private whenIdle(worker: Worker): void {
    this.stopIdleTimer();
    this.idleTimer = setTimeout(() => {
      this.idleTimer = null;
      if (this.worker !== worker || this.pending.size > 0) return;
      this.worker = null; // the next job starts a new worker; this one has no job to fail
      void worker.terminate();
    }, this.idleMs);
    this.idleTimer.unref();
  }

  private start(): Worker {
    if (this.worker) return this.worker;
    // Small heaps: a validation keeps little alive, and V8's default young generation alone would grow the process
    // by tens of MB under a burst of big configs. A job that runs out of it fails (the caller then validates
    // in-process); the next one starts a new worker.
    const worker = new Worker(this.file, { resourceLimits: this.heap });
    worker.unref();
    const pending = new Map<number, { resolve: (json: Buffer) => void; reject: (err: Error) => void }>();
    this.pending = pending;
    worker.on('message', (answer: ValidateJobResult) => {
      const job = pending.get(answer.id);
      if (!job) return;
      pending.delete(answer.id);
      if (pending.size === 0 && this.worker === worker) this.whenIdle(worker);
      if ('json' in answer) job.resolve(Buffer.from(answer.json.buffer, answer.json.byteOffset, answer.json.byteLength));
      else job.reject(new Error(answer.error));
    });
    const fail = (err: Error) => {
      if (this.worker === worker) this.worker = null;
      for (const job of pending.values()) job.reject(err);
      pending.clear();
    };
    worker.on('error', fail);
    worker.on('exit', (code) => fail(new Error(`the validation worker exited (code ${code})`)));
    this.worker = worker;
    return worker;
  }
}
