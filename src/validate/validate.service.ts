import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { ClustersService } from '../clusters/clusters.service';
import { CLOCK, type Clock } from '../common/clock';
import { badRequest } from '../common/service-error';
import type { ClusterContext, ValidationResult } from '../domain/proxy-config';
import { validate } from '../domain/validate';
import { ValidatePool } from './validate-pool';

/**
 * Bodies of at least this many bytes are validated in the worker thread (ValidatePool): a config this big holds a
 * CA bundle or hundreds of noProxy entries, milliseconds of CPU that would otherwise stall the event loop. Smaller
 * ones (most) cost tens of microseconds, less than the trip to the worker.
 */
export const WORKER_MIN_BYTES = 8 * 1024;

export function assertJsonObject(body: unknown, what = 'The body'): asserts body is Record<string, unknown> {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw badRequest(`${what} must be a JSON object (the content of the --http-proxy-config file).`);
  }
}

@Injectable()
export class ValidateService implements OnApplicationShutdown {
  private readonly pool = new ValidatePool();

  constructor(
    private readonly clusters: ClustersService,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  /**
   * Validates a config as submitted, with the cluster's rules when a cluster is named. A body of `bodyBytes` at
   * least WORKER_MIN_BYTES is validated in the worker thread and answered as the result's JSON in UTF-8 (the same
   * bytes JSON.stringify of the result gives here); a smaller one here, as the result.
   */
  async validate(body: unknown, clusterName?: string, bodyBytes = 0): Promise<ValidationResult | Buffer> {
    assertJsonObject(body);
    const cluster = clusterName ? await this.clusters.contextByName(clusterName) : null;
    if (bodyBytes >= WORKER_MIN_BYTES) {
      const job = this.pool.run(body, this.clock.now(), cluster);
      if (job) {
        try {
          return await job;
        } catch {
          // the worker died (out of its heap, say): the same pure validation here gives the same answer
        }
      }
    }
    return this.run(body, cluster);
  }

  async onApplicationShutdown(): Promise<void> {
    await this.pool.close();
  }

  /** The domain validation with the service's clock. */
  run(config: unknown, cluster: ClusterContext | null): ValidationResult {
    return validate(config, { now: this.clock.now(), cluster });
  }
}
