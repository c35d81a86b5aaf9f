import { Inject, Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import {
  createRemoteJWKSet,
  customFetch,
  decodeProtectedHeader,
  errors,
  type JWTPayload,
  jwtVerify,
  type JWTVerifyGetKey,
} from 'jose';
import type { Logger } from 'pino';
import { APP_CONFIG, type AppConfig, type OidcConfig } from '../config/app-config';
import { MetricsService } from '../health/metrics.service';
import { LOGGER } from '../logging/logger';
import type { FastifyRequest } from 'fastify';
import { looksLikeJwt, type TokenCheck, type TokenVerifier } from '../auth/identity';
import { isPersonName } from '../auth/person-name';
import { tokenHashOf } from '../auth/token';
import { ROLES, type Role } from '../auth/roles';

/** The only signature algorithms accepted (API.md): never `none`, never an HMAC algorithm. */
export const OIDC_ALGORITHMS = ['RS256', 'PS256', 'ES256'] as const;
/** Leeway on `exp` and `nbf` (API.md: 60 s). */
const CLOCK_TOLERANCE_S = 60;
/** How long a fetch of the discovery document or the key set may take. */
const FETCH_TIMEOUT_MS = 5_000;
/** Longest `kid` looked up: a longer one names no key any issuer publishes, so it is refused without a fetch. */
const MAX_KID_LENGTH = 256;
/** At most one warning per this long about an unreachable issuer, however many requests fail on it. */
const WARN_EVERY_MS = 10_000;
const DEFAULT_ACTOR_CLAIMS = ['preferred_username', 'upn', 'email', 'sub'];
/** Bound on the verified tokens remembered; past it the oldest is forgotten. */
const MAX_VERIFIED_TOKENS = 10_000;

/** Where a request keeps its token check, made once: the rate limiter asks first, then the auth guard. */
const TOKEN_CHECK = Symbol('tokenCheck');
type Accepted = Extract<TokenCheck, { ok: true }>;


/**
 * Verifies OpenID Connect access tokens (JWTs) with jose against the issuer's keys, found through discovery.
 * The key set is jose's remote JWK set: used for at most OIDC_JWKS_MAX_AGE_S, fetched again at once for an unknown
 * `kid` but at most once per OIDC_JWKS_COOLDOWN_S. An unreachable issuer (at start-up or later) fails token checks
 * only; the service starts and API keys keep working. Nothing of a token is ever logged or answered.
 */
@Injectable()
export class OidcVerifier implements TokenVerifier, OnApplicationBootstrap {
  private readonly oidc: OidcConfig | null;
  private keys: JWTVerifyGetKey | null = null;
  private discovery: Promise<void> | null = null;
  private lastDiscoveryAt = 0;
  private lastWarnAt = 0;
  /**
   * Tokens already verified, by sha256 of the token (never the token itself), with what they carry, so that a token
   * used for many requests is verified (a signature check) once. An entry is used only
   * - before the token's `exp` (without the 60 s of leeway: past exp the token is checked again in full), and
   * - while the key set it was verified with is the current one and fresh: any fetch of the key set (it aged out
   *   after OIDC_JWKS_MAX_AGE_S, or a token named an unknown kid) or a new discovery forgets every entry, and no entry
   *   outlives the key set's OIDC_JWKS_MAX_AGE_S, so a key the issuer withdraws stops working as soon as it does
   *   without the cache.
   * Refusals are not remembered: they are checked (and logged) every time.
   */
  private readonly verified = new Map<string, { check: Accepted; until: number; generation: number }>();
  /** Moves on every (re)discovery and every fetch of the key set: entries of an older generation are not used. */
  private keysGeneration = 0;
  /** When the current key set was fetched (0: not yet). */
  private keysFetchedAt = 0;

  constructor(
    @Inject(APP_CONFIG) config: AppConfig,
    @Inject(LOGGER) private readonly logger: Logger,
    private readonly metrics: MetricsService,
  ) {
    this.oidc = config.oidc;
  }

  get enabled(): boolean {
    return this.oidc !== null;
  }

  onApplicationBootstrap(): void {
    if (!this.oidc) return;
    this.metrics.oidcIssuerUp.set(0);
    // Not awaited: the service starts whether or not the issuer answers (tokens are refused until it does).
    void this.discover();
  }

  /** Finds the key set through <issuer>/.well-known/openid-configuration; concurrent callers share one attempt. */
  private discover(): Promise<void> {
    const oidc = this.oidc!;
    this.discovery ??= (async () => {
      this.lastDiscoveryAt = Date.now();
      const url = `${oidc.issuer.replace(/\/+$/, '')}/.well-known/openid-configuration`;
      try {
        const res = await fetch(url, { signal: AbortSignal.timeout(FETCH_TIMEOUT_MS), redirect: 'error', headers: { accept: 'application/json' } });
        if (res.status !== 200) throw new Error(`HTTP ${res.status}`);
        const doc = (await res.json()) as { issuer?: unknown; jwks_uri?: unknown };
        if (typeof doc.jwks_uri !== 'string') throw new Error('the discovery document has no jwks_uri');
        const jwksUri = new URL(doc.jwks_uri);
        if (jwksUri.protocol !== 'https:' && !(jwksUri.protocol === 'http:' && new URL(oidc.issuer).protocol === 'http:')) {
          throw new Error('jwks_uri must be an https:// URL');
        }
        if (doc.issuer !== oidc.issuer) {
          this.logger.warn({ issuer: oidc.issuer, discovered: String(doc.issuer).slice(0, 200) }, 'OIDC discovery names another issuer; tokens must carry OIDC_ISSUER as iss');
        }
        this.keysGeneration++;
        this.keysFetchedAt = 0;
        this.keys = createRemoteJWKSet(jwksUri, {
          cacheMaxAge: oidc.jwksMaxAgeSeconds * 1000,
          cooldownDuration: oidc.jwksCooldownSeconds * 1000,
          timeoutDuration: FETCH_TIMEOUT_MS,
          [customFetch]: (input, init) => this.fetchKeys(input, init),
        });
        this.metrics.oidcFetches.inc({ what: 'discovery', outcome: 'ok' });
        this.metrics.oidcIssuerUp.set(1);
        this.logger.info({ issuer: oidc.issuer, jwksUri: jwksUri.toString() }, 'OIDC issuer discovered');
      } catch (err) {
        this.metrics.oidcFetches.inc({ what: 'discovery', outcome: 'error' });
        this.metrics.oidcIssuerUp.set(0);
        this.warnUnreachable(url, err);
      } finally {
        this.discovery = null;
      }
    })();
    return this.discovery;
  }

  /** jose's fetch of the key set, counted, so an unreachable issuer shows in the metrics and the log. */
  private async fetchKeys(input: string, init: RequestInit): Promise<Response> {
    try {
      const res = await fetch(input, { ...init, redirect: 'error' });
      const ok = res.status === 200;
      // jose replaces its key set with this answer (or fails on it): what was verified with the old set is checked again.
      this.keysGeneration++;
      if (ok) this.keysFetchedAt = Date.now();
      this.metrics.oidcFetches.inc({ what: 'jwks', outcome: ok ? 'ok' : 'error' });
      this.metrics.oidcIssuerUp.set(ok ? 1 : 0);
      if (!ok) this.warnUnreachable(input, new Error(`HTTP ${res.status}`));
      return res;
    } catch (err) {
      this.metrics.oidcFetches.inc({ what: 'jwks', outcome: 'error' });
      this.metrics.oidcIssuerUp.set(0);
      this.warnUnreachable(input, err);
      throw err;
    }
  }

  private warnUnreachable(url: string, err: unknown): void {
    if (Date.now() - this.lastWarnAt < WARN_EVERY_MS) return;
    this.lastWarnAt = Date.now();
    const cause = (err as { cause?: { code?: string } }).cause?.code;
    this.logger.warn({ url, err: (err as Error).message, cause }, 'OIDC issuer not reachable: bearer tokens are refused until it is (API keys keep working)');
  }

  verifyRequest(request: FastifyRequest): Promise<TokenCheck | null> {
    const memo = request as FastifyRequest & { [TOKEN_CHECK]?: Promise<TokenCheck | null> };
    let check = memo[TOKEN_CHECK];
    if (!check) {
      const token = /^Bearer\s+(\S+)\s*$/i.exec(request.headers.authorization ?? '')?.[1];
      check = this.oidc && token && looksLikeJwt(token) ? this.verify(token) : Promise.resolve(null);
      memo[TOKEN_CHECK] = check;
    }
    return check;
  }

  /** What the rate limiter counts a request against: the person of a valid token, else null. */
  async rateLimitIdentity(request: FastifyRequest): Promise<string | null> {
    const check = await this.verifyRequest(request);
    return check?.ok ? `person:${check.actor}` : null;
  }

  /** Checks a token; the reason of a refusal is safe to show (it never quotes the token). */
  async verify(token: string): Promise<TokenCheck> {
    const oidc = this.oidc;
    if (!oidc) return { ok: false, reason: 'The token is unknown or revoked.' };
    const hash = tokenHashOf(token);
    const known = this.verified.get(hash);
    if (known) {
      if (known.generation === this.keysGeneration && Date.now() < known.until) {
        this.metrics.oidcTokens.inc({ outcome: 'accepted' });
        return { ok: true, actor: known.check.actor, roles: [...known.check.roles] };
      }
      this.verified.delete(hash);
    }
    const generation = this.keysGeneration;
    const checked = await this.check(oidc, token);
    const result: TokenCheck = checked.ok ? { ok: true, actor: checked.actor, roles: checked.roles } : checked;
    if (result.ok && checked.ok && generation === this.keysGeneration && this.keysFetchedAt > 0) {
      // verified with the key set fetched at keysFetchedAt (no fetch happened meanwhile)
      const until = Math.min(checked.exp * 1000, this.keysFetchedAt + oidc.jwksMaxAgeSeconds * 1000);
      if (until > Date.now()) {
        if (this.verified.size >= MAX_VERIFIED_TOKENS) this.verified.delete(this.verified.keys().next().value!);
        this.verified.set(hash, { check: result, until, generation });
      }
    }
    this.metrics.oidcTokens.inc({ outcome: result.ok ? 'accepted' : 'refused' });
    if (!result.ok) this.logger.info({ reason: result.reason }, 'bearer token refused');
    return result;
  }

  private async check(oidc: OidcConfig, token: string): Promise<(Accepted & { exp: number }) | Extract<TokenCheck, { ok: false }>> {
    let header;
    try {
      header = decodeProtectedHeader(token);
    } catch {
      return { ok: false, reason: 'The token is not a well-formed JWT.' };
    }
    if (typeof header.alg !== 'string' || !(OIDC_ALGORITHMS as readonly string[]).includes(header.alg)) {
      return { ok: false, reason: `The token's signature algorithm is not accepted (only ${OIDC_ALGORITHMS.join(', ')}).` };
    }
    if (header.kid !== undefined && (typeof header.kid !== 'string' || header.kid.length > MAX_KID_LENGTH)) {
      return { ok: false, reason: 'The token names no key of the issuer.' };
    }
    if (!this.keys && Date.now() - this.lastDiscoveryAt >= Math.max(1, oidc.jwksCooldownSeconds) * 1000) await this.discover();
    else if (this.discovery) await this.discovery;
    const keys = this.keys;
    if (!keys) return { ok: false, reason: "The token cannot be checked now: the issuer's keys are not reachable." };

    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, keys, {
        issuer: oidc.issuer,
        audience: oidc.audience,
        algorithms: [...OIDC_ALGORITHMS],
        clockTolerance: CLOCK_TOLERANCE_S,
        requiredClaims: ['exp'],
      }));
    } catch (err) {
      return { ok: false, reason: refusal(err) };
    }
    const found = identity(oidc, payload);
    return found.ok ? { ...found, exp: payload.exp! } : found;
  }
}

/** Why jose refused a token, in words that quote nothing of it. */
function refusal(err: unknown): string {
  if (err instanceof errors.JWTExpired) return 'The token has expired.';
  if (err instanceof errors.JWTClaimValidationFailed) {
    switch (err.claim) {
      case 'iss':
        return 'The token is from another issuer.';
      case 'aud':
        return 'The token is for another audience.';
      case 'nbf':
        return 'The token is not valid yet.';
      default:
        return `The token's ${err.claim} claim is missing or invalid.`;
    }
  }
  if (err instanceof errors.JWKSNoMatchingKey || err instanceof errors.JWKSMultipleMatchingKeys) return 'The token names no key of the issuer.';
  if (err instanceof errors.JWSSignatureVerificationFailed) return "The token's signature does not verify.";
  if (err instanceof errors.JOSEAlgNotAllowed) return "The token's signature algorithm is not accepted.";
  if (err instanceof errors.JWKSTimeout) return "The token cannot be checked now: the issuer's keys are not reachable.";
  if (err instanceof errors.JWSInvalid || err instanceof errors.JWTInvalid || err instanceof errors.JOSENotSupported) {
    return 'The token is not a well-formed JWT.';
  }
  if (err instanceof errors.JOSEError) return "The token cannot be checked now: the issuer's keys are not usable.";
  // fetch failures (connection refused, reset): the issuer is down
  return "The token cannot be checked now: the issuer's keys are not reachable.";
}

/** The person and roles a verified token carries (API.md "People and sign-in"). */
function identity(oidc: OidcConfig, payload: JWTPayload): TokenCheck {
  const claims = oidc.actorClaim ? [oidc.actorClaim] : DEFAULT_ACTOR_CLAIMS;
  const claim = claims.find((c) => payload[c] !== undefined && payload[c] !== null);
  const value = claim === undefined ? undefined : payload[claim];
  if (!isPersonName(value)) {
    return { ok: false, reason: `The token names no person: ${claims.join(', ')} ${claims.length > 1 ? 'are' : 'is'} missing or not a user name.` };
  }
  const raw = payload[oidc.rolesClaim];
  if (raw !== undefined && (!Array.isArray(raw) || !raw.every((r) => typeof r === 'string'))) {
    return { ok: false, reason: `The token's ${oidc.rolesClaim} claim is not an array of strings.` };
  }
  const roles = new Set<Role>();
  for (const r of (raw ?? []) as string[]) {
    if (oidc.roleMap) for (const role of Object.hasOwn(oidc.roleMap, r) ? oidc.roleMap[r] : []) roles.add(role as Role);
    else if ((ROLES as readonly string[]).includes(r)) roles.add(r as Role);
  }
  return { ok: true, actor: value.toLowerCase(), roles: [...roles].sort() };
}
