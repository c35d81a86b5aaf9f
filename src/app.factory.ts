import 'reflect-metadata';
import helmet from 'helmet';
import { staticHeaders } from './http/security-headers';
import rateLimit from '@fastify/rate-limit';
import { type ArgumentMetadata, type PipeTransform, ValidationPipe, type ValidationPipeOptions } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { type FastifyBaseLogger, type FastifyReply, type FastifyRequest, LogController } from 'fastify';
import type { Bindings, ChildLoggerOptions, Logger } from 'pino';
import { AppModule } from './app.module';
import type { Clock } from './common/clock';
import { ServiceError } from './common/service-error';
import type { AppConfig } from './config/app-config';
import { rateLimitKeyFor } from './http/rate-limit-key';
import { ApiKeysService } from './api-keys/api-keys.service';
import { TOKEN_VERIFIER, type TokenVerifier } from './auth/identity';
import { requestIdFor } from './http/request-id';
import { noteProblemCode, problemCodeOf, toProblem } from './http/problem-details.filter';
import { validationProblem } from './http/validation-errors';
import { setUpOpenApi } from './http/openapi';
import { installJsonParser } from './http/json-body';
import { answerCachedReads, cachedRead } from './http/cached-reads';
import { AUTHENTICATOR, type Authenticator } from './auth/authenticator';
import { ClustersController } from './clusters/clusters.controller';
import { ClustersService } from './clusters/clusters.service';
import { clusterNameOf } from './clusters/cluster-name.pipe';
import { VersionsController } from './versions/versions.controller';
import { VersionsService } from './versions/versions.service';
import { versionRefOf } from './versions/version-ref.pipe';
import { BoundsPipe } from './http/bounds.pipe';
import { MAX_HEADER_BYTES, problemClientErrorHandler } from './http/client-errors';
import { buildProblem } from './http/problem-details.filter';
import { redactSecrets } from './domain/redact';
import { LazyChildLogger, PinoNestLogger, requestLogWriter } from './logging/logger';
import { MetricsService } from './health/metrics.service';
import { ShutdownState } from './health/shutdown-state';

export interface CreateAppOptions {
  config: AppConfig;
  logger: Logger;
  clock?: Clock;
}

/**
 * The global ValidationPipe, without its per-request cost on the commonest case: a query DTO when the request has no
 * query parameters. Whether an empty query passes a DTO is found once (by the real pipe: a DTO with a required
 * parameter keeps answering 400), then an empty query is a fresh instance of the DTO without class-transformer and
 * class-validator.
 */
class EmptyQueryValidationPipe extends ValidationPipe {
  /** Whether an empty query passes each DTO, once the real pipe found out. */
  private readonly emptyQueryPasses = new WeakMap<object, boolean>();

  /** A fresh instance of the DTO when `value` is an empty query and an empty query is known to pass it; else undefined. */
  passedEmptyQuery(value: unknown, metadata: ArgumentMetadata): object | undefined {
    const type = metadata.metatype as (new () => object) | undefined;
    if (metadata.type !== 'query' || !type || !isEmptyObject(value)) return undefined;
    return this.emptyQueryPasses.get(type) ? new type() : undefined;
  }

  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    const passed = this.passedEmptyQuery(value, metadata);
    if (passed) return passed;
    const type = metadata.metatype as (new () => object) | undefined;
    if (metadata.type === 'query' && type && isEmptyObject(value) && !this.emptyQueryPasses.has(type)) {
      try {
        const out = await super.transform(value, metadata);
        this.emptyQueryPasses.set(type, true);
        return out;
      } catch (err) {
        this.emptyQueryPasses.set(type, false);
        throw err;
      }
    }
    return super.transform(value, metadata);
  }
}

function isEmptyObject(value: unknown): boolean {
  if (!value || typeof value !== 'object') return false;
  for (const _ in value) return false;
  return true;
}

/** The types the ValidationPipe never validates (its toValidate()). */
const UNVALIDATED_TYPES = new Set<unknown>([String, Boolean, Number, Array, Object, Buffer, Date]);

/**
 * The one global pipe: BoundsPipe, then the ValidationPipe, as one pipe (Nest awaits each global pipe on every
 * parameter, so two pipes cost two promise turns per parameter), and without the ValidationPipe's promise where it
 * has nothing to do: a custom decorator's value (not validated: validateCustomDecorators is off), a path parameter
 * that is a string (String() of it is itself), and a whole body, query or header value of a type the ValidationPipe
 * does not validate (`@Body() body: unknown`), which it returns as it is. Everything else goes to the real pipe.
 */
class RequestValidationPipe implements PipeTransform {
  private readonly bounds = new BoundsPipe();
  private readonly pipe: EmptyQueryValidationPipe;

  constructor(options: ValidationPipeOptions) {
    this.pipe = new EmptyQueryValidationPipe(options);
  }

  transform(value: unknown, metadata: ArgumentMetadata): unknown {
    if (metadata.type === 'custom') return value;
    // Bounds first (array lengths, string lengths, objects vs arrays), so nothing walks an oversized input.
    value = this.bounds.transform(value, metadata);
    const { type, metatype, data } = metadata;
    if (type === 'param' && (metatype === String || !metatype) && (typeof value === 'string' || value === undefined)) return value;
    // What ValidationPipe.transform does for these (transform on): transformPrimitive, which converts only a named
    // path or query parameter.
    if ((!metatype || UNVALIDATED_TYPES.has(metatype)) && (!data || (type !== 'param' && type !== 'query'))) return value;
    // An empty query for a DTO an empty query is known to pass (EmptyQueryValidationPipe), without its promise.
    const passed = type === 'query' && !data ? this.pipe.passedEmptyQuery(value, metadata) : undefined;
    if (passed) return passed;
    return this.pipe.transform(value, metadata);
  }
}

/** Builds the whole application (not listening yet): used by main.ts and, identically, by the e2e tests. */
export async function createApp({ config, logger, clock }: CreateAppOptions): Promise<NestFastifyApplication> {
  // Security headers: helmet's, worked out once (they do not depend on the request) by running its middleware on a
  // stand-in response, then set with the request id on every request in one onRequest hook.
  const securityHeaders = staticHeaders(helmet({
    // The API serves JSON; Swagger UI at /docs needs its inline assets.
    contentSecurityPolicy: {
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'", "'unsafe-inline'"],
        styleSrc: ["'self'", "'unsafe-inline'"],
        imgSrc: ["'self'", 'data:'],
        upgradeInsecureRequests: null,
      },
    },
  }));
  const adapter = new FastifyAdapter({
    loggerInstance: logger,
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: config.bodyLimitBytes,
    // Node's HTTP server: headers and URL together up to 16 KB (431 beyond, API.md "Limits"); a missing Host is
    // answered below as problem+json instead of Node's empty 400 (requireHostHeader would answer before Fastify).
    http: { maxHeaderSize: MAX_HEADER_BYTES, requireHostHeader: false },
    clientErrorHandler: problemClientErrorHandler(logger, securityHeaders),
    genReqId: requestIdFor,
    // request.log is made only when something logs through it (error paths), not on every request.
    childLoggerFactory: (parent: FastifyBaseLogger, bindings: Bindings, options: ChildLoggerOptions) => new LazyChildLogger(parent as Logger, bindings, options) as unknown as FastifyBaseLogger,
    onProtoPoisoning: 'error',
    onConstructorPoisoning: 'error',
    forceCloseConnections: 'idle',
    return503OnClosing: true,
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 500 },
    // Errors of Fastify's router (a malformed or over-long URL) become problem+json too, without echoing the path.
    frameworkErrors: (error: Error, request: FastifyRequest, reply: FastifyReply) => {
      const { problem } = toProblem(error);
      problem.detail = problem.status === 414 ? 'A path segment is too long.' : 'The request URL is malformed.';
      problem.requestId = String(request.id);
      noteProblemCode(request, problem.code);
      void reply.status(problem.status).headers(securityHeaders).header('x-request-id', request.id).type('application/problem+json').send(problem);
    },
  });
  const app = await NestFactory.create<NestFastifyApplication>(AppModule.forRoot({ config, logger, clock }), adapter, {
    logger: new PinoNestLogger(logger),
    bufferLogs: false,
    abortOnError: false,
    // Fastify's own JSON parser only (with the body limit and prototype-poisoning checks above): no urlencoded.
    bodyParser: false,
  });
  const fastify = app.getHttpAdapter().getInstance();

  // JSON only: any other body type is 415, not silently a string.
  fastify.removeContentTypeParser(['text/plain']);
  // Fastify's JSON parser behind a depth check (64 levels), on every route; malformed JSON answered with where it breaks.
  installJsonParser(fastify, { bodyLimit: config.bodyLimitBytes, onProtoPoisoning: 'error', onConstructorPoisoning: 'error' });

  const metrics = app.get(MetricsService);
  const writeRequestLine = requestLogWriter(logger);
  // Hooks are callback-style (not async): on every request an async hook costs a promise and a microtask turn.
  fastify.addHook('onResponse', (request, reply, done) => {
    const route = request.routeOptions.url ?? 'unmatched';
    metrics.observeRequest(request.method, route, reply.statusCode, reply.elapsedTime / 1000);
    done();
    if (route === '/healthz' || route === '/readyz' || route === '/metrics') return;
    const principal = (request as { principal?: { actor?: string; via?: string | null } }).principal;
    writeRequestLine({
      reqId: String(request.id),
      method: request.method,
      route,
      url: redactSecrets(request.url),
      status: reply.statusCode,
      ms: Math.round(reply.elapsedTime * 10) / 10,
      actor: principal?.actor,
      // The bot key that acted for the person (X-Acting-For), as in audit events.
      via: principal?.via ?? undefined,
      // The problem code of an error answer, so that logs can be searched by it.
      code: reply.statusCode >= 400 ? (problemCodeOf(request) ?? undefined) : undefined,
    });
  });

  const shutdown = app.get(ShutdownState);
  fastify.addHook('onRequest', (request, reply, done) => {
    reply.headers(securityHeaders);
    reply.header('x-request-id', request.id);
    if (shutdown.draining) reply.header('connection', 'close');
    if (request.raw.httpVersion === '1.1' && request.headers.host === undefined) {
      // RFC 9112 3.2: a server MUST answer 400 to an HTTP/1.1 request without Host.
      const problem = buildProblem(400, 'BAD_REQUEST', 'An HTTP/1.1 request needs a Host header.', { requestId: String(request.id) });
      void reply.status(400).header('connection', 'close').type('application/problem+json').send(problem);
      return;
    }
    done();
  });
  // Without CORS_ORIGINS, no CORS at all (no headers, a preflight is a 404 like any OPTIONS): not even the hook that
  // would decide so on every request.
  if (config.corsOrigins.length) app.enableCors({
    origin: config.corsOrigins,
    methods: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'],
    allowedHeaders: ['Authorization', 'Content-Type', 'If-Match', 'If-None-Match', 'Idempotency-Key', 'X-Request-Id', 'X-Acting-For'],
    exposedHeaders: ['ETag', 'Location', 'Content-Location', 'Link', 'X-Request-Id', 'Retry-After'],
    maxAge: 600,
  });
  const apiKeys = app.get(ApiKeysService);
  if (config.rateLimitPerMinute > 0) {
    await app.register(rateLimit, {
      global: true,
      max: config.rateLimitPerMinute,
      timeWindow: 60_000,
      keyGenerator: rateLimitKeyFor(apiKeys, app.get<TokenVerifier>(TOKEN_VERIFIER)),
      allowList: (request) => /^\/(healthz|readyz|metrics)$/.test(request.url.split('?')[0]),
      errorResponseBuilder: (request, context) => {
        noteProblemCode(request, 'RATE_LIMITED');
        return new ServiceError('rate_limited', 'RATE_LIMITED', `Too many requests: the limit is ${context.max} per minute; retry in ${Math.ceil(context.ttl / 1000)} s.`);
      },
      addHeadersOnExceeding: { 'x-ratelimit-limit': true, 'x-ratelimit-remaining': true, 'x-ratelimit-reset': true },
      addHeaders: { 'x-ratelimit-limit': true, 'x-ratelimit-remaining': true, 'x-ratelimit-reset': true, 'retry-after': true },
    });
  }
  // The read cache's hits of a cluster's and a version's GET, answered before Nest's pipeline (http/cached-reads.ts).
  const clusters = app.get(ClustersService);
  const versions = app.get(VersionsService);
  answerCachedReads(fastify, app.get<Authenticator>(AUTHENTICATOR), [
    cachedRead(ClustersController, 'get', ({ name }) => {
      const cluster = clusterNameOf(name);
      return cluster === null ? undefined : clusters.cachedAnswer(cluster);
    }),
    cachedRead(VersionsController, 'get', ({ name, v }) => {
      const cluster = clusterNameOf(name);
      const ref = versionRefOf(v);
      return cluster === null || ref === null ? undefined : versions.cachedAnswer(cluster, ref);
    }),
  ]);

  app.useGlobalPipes(
    // BoundsPipe, then the ValidationPipe.
    new RequestValidationPipe({
      whitelist: true,
      forbidNonWhitelisted: true,
      transform: true,
      stopAtFirstError: false,
      // The DTO instance on each error lets the messages name the fields a body may have (never sent back).
      validationError: { target: true, value: true },
      // One message per field, the most useful one (validation-errors.ts).
      exceptionFactory: validationProblem,
    }),
  );
  setUpOpenApi(app);
  try {
    await app.init();
  } catch (err) {
    // A start-up check failed (e.g. WEBHOOK_SECRET_KEY cannot read the stored secrets): release the database (and
    // its DATA_DIR lock) before the caller reports it.
    await app.close().catch(() => undefined);
    throw err;
  }
  return app;
}
