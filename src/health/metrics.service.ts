import { Inject, Injectable } from '@nestjs/common';
import { CLOCK, type Clock } from '../common/clock';
import { Counter, collectDefaultMetrics, Gauge, type Metric, Registry } from 'prom-client';
import { DatabaseService } from '../database/database.service';
import { buildInfo } from './build-info';
import { FleetRepository } from '../repositories/fleet.repository';

/** The prefix of every metric of this service (the process_* and nodejs_* metrics of prom-client keep theirs). */
export const METRIC_PREFIX = 'aksproxy_';

/** Names of the fleet gauges (Prometheus rules: base units in the name, `_total` only on counters). */
export const FLEET_METRICS = {
  caEarliestNotAfter: `${METRIC_PREFIX}trusted_ca_earliest_not_after_timestamp_seconds`,
  pendingVersions: `${METRIC_PREFIX}config_versions_pending`,
  oldestPendingAge: `${METRIC_PREFIX}config_oldest_pending_version_age_seconds`,
} as const;

/**
 * prom-client's default metrics that break the naming rules: gauges named `..._total` (a suffix kept for counters).
 * Each is the sum over the labelled gauge of the same name without `_total` (`sum(nodejs_active_handles)`).
 */
const DROPPED_DEFAULT_METRICS = ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total'];

/**
 * Prometheus metrics of this process (prom-client), named by the Prometheus rules: one prefix (`aksproxy_`), the
 * unit in the name (`_seconds`), `_total` on counters only, an `aksproxy_build_info` gauge. Pool gauges exist only
 * on PostgreSQL: PGlite has no connection pool. test/metrics.e2e.spec.ts checks every exported name.
 */
@Injectable()
export class MetricsService {
  readonly registry = new Registry();
  /** aksproxy_http_requests_total and aksproxy_http_request_duration_seconds, counted without prom-client's per-call work. */
  private readonly http = new HttpRequestMetrics(this.registry);
  readonly submissions = new Counter({
    name: `${METRIC_PREFIX}config_submissions_total`,
    help: 'Config submissions by outcome (created, unchanged, invalid)',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });
  readonly decisions = new Counter({
    name: `${METRIC_PREFIX}config_decisions_total`,
    help: 'Decisions on versions by decision and resulting status',
    labelNames: ['decision', 'result'] as const,
    registers: [this.registry],
  });

  /** 1 when the OIDC issuer's discovery document and keys were last fetched fine, 0 when not (absent without OIDC). */
  readonly oidcIssuerUp = new Gauge({
    name: `${METRIC_PREFIX}oidc_issuer_up`,
    help: 'Whether the last fetch of the OIDC issuer discovery document or key set succeeded (1) or failed (0)',
    registers: [this.registry],
  });
  readonly oidcFetches = new Counter({
    name: `${METRIC_PREFIX}oidc_key_fetches_total`,
    help: 'Fetches of the OIDC discovery document and key set by outcome',
    labelNames: ['what', 'outcome'] as const,
    registers: [this.registry],
  });
  readonly oidcTokens = new Counter({
    name: `${METRIC_PREFIX}oidc_token_checks_total`,
    help: 'OIDC bearer token checks by outcome (accepted, refused)',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });

  constructor(
    database: DatabaseService,
    fleet: FleetRepository,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {
    collectDefaultMetrics({ register: this.registry });
    for (const name of DROPPED_DEFAULT_METRICS) this.registry.removeSingleMetric(name);
    const info = buildInfo();
    new Gauge({
      name: `${METRIC_PREFIX}build_info`,
      help: 'Always 1; the labels say which version of the service runs on which Node.js',
      labelNames: ['version', 'node'] as const,
      registers: [this.registry],
    }).set({ version: info.version, node: info.node }, 1);
    if (database.kind === 'postgres') {
      const pool = (name: string, help: string, pick: (s: ReturnType<DatabaseService['poolState']>) => number) =>
        new Gauge({
          name: `${METRIC_PREFIX}${name}`,
          help,
          registers: [this.registry],
          collect() {
            this.set(pick(database.poolState()));
          },
        });
      pool('db_pool_connections', 'PostgreSQL connections open in the pool', (s) => s.total);
      pool('db_pool_connections_idle', 'Idle PostgreSQL connections in the pool', (s) => s.idle);
      pool('db_pool_requests_waiting', 'Queries waiting for a PostgreSQL connection', (s) => s.waiting);
    }
    this.fleetGauges(fleet);
  }

  /**
   * Gauges an operator alerts on, computed at scrape time from two small queries (an index serves the pending ones):
   * the earliest notAfter of each cluster's current CA bundle, the pending versions and the age of the oldest one.
   * A scrape while the database is down leaves them out rather than failing /metrics.
   */
  private fleetGauges(fleet: FleetRepository): void {
    new Gauge({
      name: FLEET_METRICS.caEarliestNotAfter,
      help: "Earliest notAfter of the CA certificates in each cluster's current approved config, in seconds since the Unix epoch",
      labelNames: ['cluster'] as const,
      registers: [this.registry],
      async collect() {
        this.reset();
        try {
          for (const row of await fleet.earliestCaExpiry()) this.set({ cluster: row.cluster }, Math.floor(row.notAfter.getTime() / 1000));
        } catch {
          // database unreachable: no samples this scrape
        }
      },
    });
    const clock = this.clock;
    const pending = (name: string, help: string, value: (p: { count: number; oldestSubmittedAt: Date | null }) => number) =>
      new Gauge({
        name,
        help,
        registers: [this.registry],
        async collect() {
            try {
            this.set(value(await fleet.pending()));
          } catch {
            // database unreachable: keep the last value
          }
        },
      });
    pending(FLEET_METRICS.pendingVersions, 'Config versions waiting for decisions', (p) => p.count);
    pending(FLEET_METRICS.oldestPendingAge, 'Age of the oldest pending config version, in seconds (0 when none is pending)', (p) =>
      p.oldestSubmittedAt ? Math.max(0, (clock.now().getTime() - p.oldestSubmittedAt.getTime()) / 1000) : 0,
    );
  }

  observeRequest(method: string, route: string, status: number, seconds: number): void {
    this.http.observe(method, route, status, seconds);
  }
}

const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];

interface HttpSeries {
  labels: { method: string; route: string; status: string };
  count: number;
  sum: number;
  /** Observations per bucket (not cumulative): index i counts values <= LATENCY_BUCKETS[i] and > the one before. */
  buckets: number[];
}

/**
 * The two per-request metrics (a counter and a histogram labelled by method, route and status), kept in one map
 * keyed by the label values and rendered at scrape time exactly as prom-client's Counter and Histogram render them.
 * prom-client checks and hashes the labels object on every call, twice per request; here a request costs one map
 * lookup.
 */
class HttpRequestMetrics {
  private readonly series = new Map<string, HttpSeries>();

  constructor(registry: Registry) {
    const counterName = `${METRIC_PREFIX}http_requests_total`;
    const histogramName = `${METRIC_PREFIX}http_request_duration_seconds`;
    const all = () => [...this.series.values()];
    const metric = (name: string, help: string, type: 'counter' | 'histogram', values: () => unknown[]) =>
      ({
        name,
        help,
        type,
        aggregator: 'sum',
        get: () => Promise.resolve({ name, help, type, aggregator: 'sum', values: values() }),
        reset: () => this.series.clear(),
      }) as unknown as Metric;
    registry.registerMetric(metric(counterName, 'HTTP requests by method, route and status', 'counter', () => all().map((s) => ({ labels: s.labels, value: s.count }))));
    registry.registerMetric(
      metric(histogramName, 'HTTP request latency in seconds by method, route and status', 'histogram', () =>
        all().flatMap((s) => {
          let cumulative = 0;
          const bucket = `${histogramName}_bucket`;
          return [
            ...LATENCY_BUCKETS.map((le, i) => ({ labels: { le }, sharedLabels: s.labels, value: (cumulative += s.buckets[i]), metricName: bucket })),
            { labels: { le: '+Inf' }, sharedLabels: s.labels, value: s.count, metricName: bucket },
            { labels: {}, sharedLabels: s.labels, value: s.sum, metricName: `${histogramName}_sum` },
            { labels: {}, sharedLabels: s.labels, value: s.count, metricName: `${histogramName}_count` },
          ];
        }),
      ),
    );
  }

  observe(method: string, route: string, status: number, seconds: number): void {
    const key = `${method} ${status} ${route}`;
    let s = this.series.get(key);
    if (!s) {
      s = { labels: { method, route, status: String(status) }, count: 0, sum: 0, buckets: LATENCY_BUCKETS.map(() => 0) };
      this.series.set(key, s);
    }
    s.count += 1;
    s.sum += seconds;
    for (let i = 0; i < LATENCY_BUCKETS.length; i++) {
      if (seconds <= LATENCY_BUCKETS[i]) {
        s.buckets[i] += 1;
        break;
      }
    }
  }
}
