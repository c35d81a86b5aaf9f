// The body of the validation worker (see ValidatePool): the pure domain validation of one config per message,
// answered with the result's JSON text, so the main thread sends it on without walking it again.
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

/** Its answer: JSON.stringify of the ValidationResult, or the message of what threw. */
export type ValidateJobResult = { id: number; json: string } | { id: number; error: string };

parentPort?.on('message', (job: ValidateJob) => {
  let answer: ValidateJobResult;
  try {
    answer = { id: job.id, json: JSON.stringify(validate(job.config, { now: job.now, cluster: job.cluster })) };
  } catch (err) {
    answer = { id: job.id, error: err instanceof Error ? err.message : String(err) };
  }
  parentPort?.postMessage(answer);
});
