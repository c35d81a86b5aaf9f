import { Injectable } from '@nestjs/common';
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import { DatabaseService } from '../database/database.service';

/** Prometheus metrics of this process (prom-client): HTTP, workflow outcomes, database pool. */
@Injectable()
export class MetricsService {
  readonly registry = new Registry();
  private readonly requests = new Counter({
    name: 'http_requests_total',
    help: 'HTTP requests by method, route and status',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [this.registry],
  });
  private readonly latency = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'HTTP request latency by method, route and status',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [this.registry],
  });
  readonly submissions = new Counter({
    name: 'config_submissions_total',
    help: 'Config submissions by outcome (created, unchanged, invalid)',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });
  readonly decisions = new Counter({
    name: 'config_decisions_total',
    help: 'Decisions on versions by decision and resulting status',
    labelNames: ['decision', 'result'] as const,
    registers: [this.registry],
  });

  /** 1 when the OIDC issuer's discovery document and keys were last fetched fine, 0 when not (absent without OIDC). */
  readonly oidcIssuerUp = new Gauge({
    name: 'oidc_issuer_up',
    help: 'Whether the last fetch of the OIDC issuer discovery document or key set succeeded (1) or failed (0)',
    registers: [this.registry],
  });
  readonly oidcFetches = new Counter({
    name: 'oidc_key_fetches_total',
    help: 'Fetches of the OIDC discovery document and key set by outcome',
    labelNames: ['what', 'outcome'] as const,
    registers: [this.registry],
  });
  readonly oidcTokens = new Counter({
    name: 'oidc_token_checks_total',
    help: 'OIDC bearer token checks by outcome (accepted, refused)',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });

  constructor(database: DatabaseService) {
    collectDefaultMetrics({ register: this.registry });
    const pool = (name: string, help: string, pick: (s: ReturnType<DatabaseService['poolState']>) => number) =>
      new Gauge({
        name,
        help,
        registers: [this.registry],
        collect() {
          this.set(pick(database.poolState()));
        },
      });
    pool('db_pool_connections_total', 'Database connections open in the pool', (s) => s.total);
    pool('db_pool_connections_idle', 'Idle database connections in the pool', (s) => s.idle);
    pool('db_pool_requests_waiting', 'Queries waiting for a database connection', (s) => s.waiting);
  }

  observeRequest(method: string, route: string, status: number, seconds: number): void {
    const labels = { method, route, status: String(status) };
    this.requests.inc(labels);
    this.latency.observe(labels, seconds);
  }
}
