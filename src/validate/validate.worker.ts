// The body of the validation worker (see ValidatePool): the pure domain validation of one config per message,
// answered with the result's JSON as UTF-8 bytes, moved (not copied) to the main thread, which sends them as they are.
import { parentPort } from 'node:worker_threads';
import type { ClusterContext } from '../domain/proxy-config';
import { validate } from '../domain/validate';

/** One validation: the parsed body, the service clock's time and the cluster's rules (or null). */
export interface ValidateJob {
  id: number;
  config: unknown;
  now: Date;
  cluster: ClusterContext | null;
}

/** Its answer: JSON.stringify of the ValidationResult in UTF-8, or the message of what threw. */
export type ValidateJobResult = { id: number; json: Uint8Array } | { id: number; error: string };

const utf8 = new TextEncoder();

parentPort?.on('message', (job: ValidateJob) => {
  let json: Uint8Array;
  try {
    // TextEncoder gives the bytes their own ArrayBuffer (never a shared pool), so it can be transferred
    json = utf8.encode(JSON.stringify(validate(job.config, { now: job.now, cluster: job.cluster })));
  } catch (err) {
    parentPort?.postMessage({ id: job.id, error: err instanceof Error ? err.message : String(err) } satisfies ValidateJobResult);
    return;
  }
  parentPort?.postMessage({ id: job.id, json } satisfies ValidateJobResult, [json.buffer as ArrayBuffer]);
});
