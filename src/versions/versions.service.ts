import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { type AuditEntry, AuditService } from '../audit/audit.service';
import type { Caller } from '../auth/principal';
import { hasRole } from '../auth/roles';
import { blockersOf, clusterContext } from '../clusters/clusters.service';
import { CLOCK, type Clock } from '../common/clock';
import { badRequest, conflict, forbidden, notFound, ServiceError } from '../common/service-error';
import type { RevisionPrecondition } from '../common/precondition';
import type { Tx } from '../database/database.service';
import { type ConfigDiff, diffVersions, type VersionSnapshot } from '../domain/diff';
import type { DiffVersionFacts } from '../domain/diff-markdown';
import { contentHash, isValid, type ProxyConfig } from '../domain/proxy-config';
import { submittedDocument } from '../domain/submitted';
import { render, type RenderFormat } from '../domain/render';
import type { VersionStatus } from '../generated/prisma/client';
import { decodeCursor, type Page, toPage } from '../http/pagination';
import { MetricsService } from '../health/metrics.service';
import { ValidateService } from '../validate/validate.service';
import type { DecisionDto } from './dto/decision.dto';
import type { SubmitConfigDto } from './dto/submit-config.dto';
import type { VersionRef } from './version-ref.pipe';
import { clusterNotFound, ClustersRepository } from '../repositories/clusters.repository';
import { DecisionsRepository } from '../repositories/decisions.repository';
import type { ClusterRecord, DecisionRecord, DiffVersionRecord, VersionRecord, VersionWithDecisions } from '../repositories/records';
import { VersionsRepository } from '../repositories/versions.repository';
import { diffFacts, versionView, type VersionView } from './version.view';
import { Writes } from '../writes/writes.service';
import { type CachedAnswer, ReadCache } from '../cache/read-cache.service';
import { etagFor } from '../http/etag';
import { SerializedPage } from '../http/paginated.decorator';

/** A version after a change, and the cluster's revision after it (the cluster ETag). */
export interface VersionChange {
  version: VersionView;
  revision: number;
}

/** A submission's outcome: `created` false when the content equals the current or pending version (that one is returned). */
export type Submission = VersionChange & { created: boolean };

/** A rendering as a render answers it: its body as UTF-8 bytes (encoded once, however often it is sent). */
export interface RenderedBody {
  contentType: string;
  filename: string;
  body: Buffer;
}

/** A rendering and the audit event each call of it appends (what the read cache keeps of a render). */
interface RenderedAnswer {
  rendering: RenderedBody;
  entry: AuditEntry;
}

/**
 * 422 CONFIG_INVALID when the cluster as it is now has a Windows or Availability Set node pool: AKS would refuse the
 * version's config, so it can be neither approved nor rendered for deployment.
 */
function refuseIfBlocked(cluster: ClusterRecord, version: Pick<VersionRecord, 'version'>, as: 'approved for' | 'applied to'): void {
  const blockers = blockersOf(cluster);
  if (blockers.length > 0) {
    throw new ServiceError('unprocessable', 'CONFIG_INVALID', `Version ${version.version} cannot be ${as} the cluster as it is now: ${blockers[0].message}`, {
      findings: blockers,
    });
  }
}

@Injectable()
export class VersionsService {
  constructor(
    private readonly writes: Writes,
    private readonly clusters: ClustersRepository,
    private readonly versions: VersionsRepository,
    private readonly decisions: DecisionsRepository,
    private readonly validation: ValidateService,
    private readonly audit: AuditService,
    private readonly metrics: MetricsService,
    private readonly cache: ReadCache,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  /**
   * A submission, in the caller's transaction: lock the cluster, validate with its context, answer 422 on any
   * error finding, return the current or pending version when the content is the same, else insert the next
   * number, supersede the older pending version, bump the revision and audit it all.
   */
  async submit(tx: Tx, clusterName: string, input: SubmitConfigDto, precondition: RevisionPrecondition, caller: Caller): Promise<Submission> {
    if ((input.config === undefined) === (input.revertTo === undefined)) {
      throw badRequest('Give either config (a new config) or revertTo (an earlier version number), not both or neither.');
    }
    const { cluster, current, pending } = await this.versions.lockForSubmit(tx, clusterName);
    precondition(cluster.revision);

    let submitted: unknown = input.config;
    if (input.revertTo !== undefined) {
      const old = await this.versions.byNumber(cluster.id, input.revertTo, tx);
      if (!old) throw notFound('VERSION_NOT_FOUND', `Cluster "${clusterName}" has no version ${input.revertTo} to revert to.`);
      submitted = old.config;
    }

    const result = this.validation.run(submitted, clusterContext(cluster, current?.config ?? null));
    if (!isValid(result.findings)) {
      this.metrics.submissions.inc({ outcome: 'invalid' });
      const errors = result.findings.filter((f) => f.severity === 'error');
      throw new ServiceError(
        'unprocessable',
        'CONFIG_INVALID',
        `The config has ${errors.length} error${errors.length === 1 ? '' : 's'}: ${errors[0].message}`,
        { findings: result.findings },
      );
    }
    const hash = contentHash(result.normalized);
    const same = [pending, current].find((v) => v?.contentHash === hash);
    if (same) {
      this.metrics.submissions.inc({ outcome: 'unchanged' });
      const decisions = await this.decisions.forVersion(tx, same.id);
      return { version: versionView(cluster.name, { ...same, decisions }), revision: cluster.revision, created: false };
    }

    const now = this.clock.now();
    const number = cluster.lastVersion + 1;
    const events: AuditEntry[] = [];
    if (pending) {
      events.push({ action: 'config.superseded', cluster: cluster.name, version: pending.version, details: { from: 'pending', supersededBy: number } });
    }
    const created: VersionRecord = {
      id: randomUUID(),
      clusterId: cluster.id,
      version: number,
      status: 'pending',
      config: result.normalized,
      contentHash: hash,
      findings: result.findings,
      certificates: result.certificates,
      reason: input.reason,
      changeTicket: input.changeTicket ?? null,
      submittedBy: caller.actor,
      submittedVia: caller.via,
      submittedAt: now,
      requiredApprovals: cluster.requiredApprovals,
      revertOf: input.revertTo ?? null,
      submitted: submittedDocument(submitted) as VersionRecord['submitted'],
      approvedAt: null,
      closedAt: null,
    };
    events.push({
      action: 'config.submitted',
      cluster: cluster.name,
      version: number,
      details: {
        contentHash: hash,
        reason: input.reason,
        changeTicket: input.changeTicket ?? null,
        revertOf: input.revertTo ?? null,
        supersedes: pending?.version ?? null,
        warnings: result.findings.filter((f) => f.severity === 'warning').map((f) => f.code),
      },
    });
    // One statement: supersede the pending version, insert the new one, move the revision (the cluster row is
    // locked, so it becomes revision + 1) and append the audit events.
    // (Run last, after the Idempotency-Key record if any: the audit chain head is then locked for one round trip.)
    this.cache.afterChange(tx, cluster.name);
    const step = this.versions.submitStep({ version: created, supersede: pending?.id ?? null, at: now });
    this.writes.lastly(tx, async () => {
      await this.audit.appendAll(tx, caller, events, step);
      this.metrics.submissions.inc({ outcome: 'created' });
    });
    return { version: versionView(cluster.name, { ...created, decisions: [] }), revision: cluster.revision + 1, created: true };
  }

  /** One approver's decision, in the caller's transaction. */
  async decide(
    tx: Tx,
    clusterName: string,
    ref: VersionRef,
    input: DecisionDto,
    precondition: RevisionPrecondition,
    caller: Caller,
  ): Promise<VersionChange> {
    const { cluster, version } = await this.versions.lockForDecision(tx, clusterName, ref);
    precondition(cluster.revision);
    if (!version) throw this.versionNotFound(cluster, ref);
    if (version.status !== 'pending') {
      throw conflict('NOT_PENDING', `Version ${version.version} is ${version.status}; only a pending version can be decided.`);
    }
    if (version.submittedBy === caller.actor) {
      throw forbidden('SELF_APPROVAL', `${caller.actor} submitted version ${version.version} and cannot decide on it; another approver must.`);
    }
    if (version.submittedVia === caller.actor) {
      throw forbidden(
        'SELF_APPROVAL',
        `${caller.actor} submitted version ${version.version} for ${version.submittedBy} and cannot also decide on it as itself; another approver must.`,
      );
    }
    if (version.decisions.some((d) => d.actor === caller.actor)) {
      throw conflict('ALREADY_DECIDED', `${caller.actor} has already decided on version ${version.version}.`);
    }
    if (input.decision === 'approve') {
      // The cluster may have gained a Windows or Availability Set pool since the version was submitted: AKS would
      // refuse the config then, so it cannot be approved (a reject is always allowed).
      refuseIfBlocked(cluster, version, 'approved for');
    }
    const now = this.clock.now();
    const decision: DecisionRecord = {
      id: randomUUID(),
      versionId: version.id,
      actor: caller.actor,
      via: caller.via,
      decision: input.decision,
      comment: input.comment ?? '',
      at: now,
    };
    const { decisions: _before, currentVersion, ...record } = version;
    const decisions = [...version.decisions, decision];
    const approvers = decisions.filter((d) => d.decision === 'approve').map((d) => d.actor);
    const events: AuditEntry[] = [
      {
        action: 'config.decided',
        cluster: cluster.name,
        version: version.version,
        details: { decision: input.decision, comment: input.comment ?? '', approvals: approvers.length, requiredApprovals: version.requiredApprovals },
      },
    ];

    let fresh: VersionRecord = record;
    let result: 'pending' | 'approved' | 'rejected' = 'pending';
    if (input.decision === 'reject') {
      result = 'rejected';
      fresh = { ...record, status: 'rejected', closedAt: now };
      events.push({ action: 'config.rejected', cluster: cluster.name, version: version.version, details: {} });
    } else if (approvers.length >= version.requiredApprovals) {
      result = 'approved';
      // The current version (a pending one is never it) is superseded in the same statement.
      const previous = currentVersion;
      if (previous !== null) {
        events.push({ action: 'config.superseded', cluster: cluster.name, version: previous, details: { from: 'approved', supersededBy: version.version } });
      }
      fresh = { ...record, status: 'approved', approvedAt: now };
      events.push({
        action: 'config.approved',
        cluster: cluster.name,
        version: version.version,
        details: { contentHash: version.contentHash, approvers, previous },
      });
    }
    // One statement: the decision, the status changes, the revision (revision + 1 under the row lock) and the audit.
    // (Run last, after the Idempotency-Key record if any: the audit chain head is then locked for one round trip.)
    this.cache.afterChange(tx, cluster.name);
    const step = this.versions.decideStep({ decision, clusterId: cluster.id, outcome: result, at: now });
    this.writes.lastly(tx, async () => {
      await this.audit.appendAll(tx, caller, events, step);
      this.metrics.decisions.inc({ decision: input.decision, result });
    });
    return { version: versionView(cluster.name, { ...fresh, decisions }), revision: cluster.revision + 1 };
  }

  /** The submitter (or an admin) takes a pending version back. */
  async withdraw(clusterName: string, ref: VersionRef, caller: Caller): Promise<VersionChange> {
    return this.writes.run(async (tx) => {
      const cluster = await this.clusters.lockByName(tx, clusterName);
      const version = await this.find(cluster, ref, tx);
      if (version.submittedBy !== caller.actor && !hasRole(caller.roles, 'admin')) {
        throw forbidden('FORBIDDEN', `Only ${version.submittedBy}, who submitted version ${version.version}, or an admin can withdraw it.`);
      }
      if (version.status !== 'pending') {
        throw conflict('NOT_PENDING', `Version ${version.version} is ${version.status}; only a pending version can be withdrawn.`);
      }
      const fresh = await this.versions.setStatus(tx, version.id, { status: 'withdrawn', closedAt: this.clock.now() });
      await this.audit.append(tx, caller, { action: 'config.withdrawn', cluster: cluster.name, version: version.version, details: {} });
      const revision = await this.clusters.touch(tx, cluster.id);
      this.cache.afterChange(tx, cluster.name);
      return { version: versionView(cluster.name, fresh), revision };
    });
  }

  /** A version, with the cluster's revision: any change to a version moves it, so it is the version's ETag too. */
  async get(clusterName: string, ref: VersionRef): Promise<VersionChange> {
    const cluster = await this.clusters.getByName(clusterName);
    return { version: versionView(cluster.name, await this.find(cluster, ref)), revision: cluster.revision };
  }

  /** The version's answer if the read cache holds it (see `answer`), else undefined; never reads the database. */
  cachedAnswer(clusterName: string, ref: VersionRef): CachedAnswer | undefined {
    return this.cache.get(clusterName, String(ref));
  }

  /**
   * A version as the GET answers it: its JSON body and ETag (the cluster's revision, which every change to a version
   * moves), from the read cache when it holds it (see ReadCache for when it does).
   */
  async answer(clusterName: string, ref: VersionRef): Promise<CachedAnswer> {
    const key = String(ref);
    const hit = this.cache.get(clusterName, key);
    if (hit) return hit;
    const ticket = this.cache.begin(clusterName);
    const cluster = await this.clusters.getByName(clusterName);
    const answer = { etag: etagFor(cluster.revision), body: JSON.stringify(versionView(cluster.name, await this.find(cluster, ref))) };
    this.cache.store(ticket, key, answer);
    return answer;
  }

  /**
   * A page of the version history as the GET answers it: its JSON body (a `Page<VersionView>`) and the cursor of the
   * next page, from the read cache when it holds it. A page changes only with its cluster (a new version, a decision,
   * a status change), and every such change drops the cluster's entries (see ReadCache for the rules).
   */
  async history(clusterName: string, status: string | undefined, limit: number, cursor?: string): Promise<SerializedPage> {
    const before = decodeCursor(cursor, { v: 'int' });
    const key = `history ${status ?? '*'} ${limit} ${before?.v ?? '-'}`;
    const hit = this.cache.get(clusterName, key);
    if (hit) return new SerializedPage(hit.body, hit.nextCursor ?? null);
    const ticket = this.cache.begin(clusterName);
    const cluster = await this.clusters.getByName(clusterName);
    const rows = await this.versions.history(cluster.id, status as VersionStatus | undefined, before?.v, limit + 1);
    const page: Page<VersionView> = toPage(rows, limit, (r) => versionView(cluster.name, r), (r) => ({ v: r.version }));
    const answer = { etag: etagFor(cluster.revision), body: JSON.stringify(page), nextCursor: page.nextCursor };
    this.cache.store(ticket, key, answer);
    return new SerializedPage(answer.body, answer.nextCursor);
  }

  /**
   * Diff of version `ref` against `against` (default: current when it exists and is not `ref`, else previous, else
   * empty), with the facts of `ref` the Markdown answer shows. Reads the versions without their findings and
   * submitted documents (VersionsRepository.forDiff): most of a big config's row, never shown by a diff.
   */
  async diff(clusterName: string, ref: VersionRef, against: string | undefined): Promise<{ diff: ConfigDiff; cluster: string; version: DiffVersionFacts }> {
    const cluster = await this.clusters.getByName(clusterName);
    const to = await this.versions.forDiff(cluster.id, ref);
    if (!to) throw this.versionNotFound(cluster, ref);
    let from: DiffVersionRecord | null = null;
    if (against === undefined || against === 'current') {
      const current = await this.versions.forDiff(cluster.id, 'current');
      if (against === 'current' && !current) throw notFound('VERSION_NOT_FOUND', `Cluster "${clusterName}" has no current (approved) version to compare with.`);
      // An explicit `current` compares with the current version even when that is `v` itself (no change); only the
      // default falls back to the previous version then.
      from = current && (against === 'current' || current.version !== to.version) ? current : await this.versions.forDiff(cluster.id, { before: to.version });
    } else if (against === 'previous') {
      from = await this.versions.forDiff(cluster.id, { before: to.version });
    } else {
      const version = Number(against);
      from = await this.versions.forDiff(cluster.id, version);
      if (!from) throw this.versionNotFound(cluster, version);
    }
    const snapshot = (v: DiffVersionRecord): VersionSnapshot => ({ version: v.version, config: v.config, certificates: v.certificates });
    return { diff: diffVersions(from ? snapshot(from) : null, snapshot(to), clusterContext(cluster, null)), cluster: cluster.name, version: diffFacts(to) };
  }

  /**
   * A deployable rendering of a version that was approved; audited as config.rendered. A rendering is pure in the
   * version and its cluster (name, resource group, subscription, network, node pools), and every write that changes
   * any of them drops the cluster's read-cache entries (see ReadCache), so a successful rendering is kept there
   * until then; refusals are never cached. The event is appended on every call, and the rendering is answered only
   * once it is committed (grouped with concurrent renders: see AuditService.appendGrouped).
   */
  async render(clusterName: string, ref: VersionRef, format: RenderFormat, caller: Caller): Promise<RenderedBody> {
    const key = `render ${ref} ${format}`;
    let rendered = this.cache.get(clusterName, key)?.extra as RenderedAnswer | undefined;
    if (!rendered) {
      const ticket = this.cache.begin(clusterName);
      rendered = await this.renderFresh(clusterName, ref, format);
      this.cache.store(ticket, key, { etag: '', body: '', extra: rendered, extraBytes: rendered.rendering.body.length });
    }
    await this.audit.appendGrouped(caller, rendered.entry);
    return rendered.rendering;
  }

  /** Reads (outside any transaction: nothing is locked) and renders, or throws why the version cannot be rendered. */
  private async renderFresh(clusterName: string, ref: VersionRef, format: RenderFormat): Promise<RenderedAnswer> {
    const source = await this.versions.forRender(clusterName, ref, format === 'az');
    if (!source) throw clusterNotFound(clusterName);
    const { cluster, version, precedingApproved } = source;
    if (!version) throw this.versionNotFound(cluster, ref);
    if (!version.approvedAt) {
      throw conflict('NOT_APPROVED', `Version ${version.version} is ${version.status} and was never approved; only approved versions can be rendered.`);
    }
    // A Windows or Availability Set pool added since the approval makes the config unusable: AKS would refuse it.
    refuseIfBlocked(cluster, version, 'applied to');
    const rendering = render(
      format,
      version.config,
      {
        clusterName: cluster.name,
        resourceGroup: cluster.resourceGroup,
        subscriptionId: cluster.subscriptionId,
        proxyAddresses: cluster.network?.proxyAddresses ?? null,
      },
      { precedingApproved },
    );
    const entry: AuditEntry = { action: 'config.rendered', cluster: cluster.name, version: version.version, details: { format, contentHash: version.contentHash } };
    return { rendering: { contentType: rendering.contentType, filename: rendering.filename, body: Buffer.from(rendering.body, 'utf8') }, entry };
  }

  /** The normalized config of a version and the cluster's network (for explain). */
  async configFor(clusterName: string, ref: VersionRef): Promise<{ config: ProxyConfig; cluster: ClusterRecord }> {
    const cluster = await this.clusters.getByName(clusterName);
    const version = await this.find(cluster, ref);
    return { config: version.config, cluster };
  }

  private async find(cluster: ClusterRecord, ref: VersionRef, db?: Tx): Promise<VersionWithDecisions> {
    const found =
      ref === 'current'
        ? await this.versions.currentWithDecisions(cluster.id, db)
        : ref === 'latest'
          ? await this.versions.latestWithDecisions(cluster.id, db)
          : await this.versions.byNumber(cluster.id, ref, db);
    if (!found) throw this.versionNotFound(cluster, ref);
    return found;
  }

  private versionNotFound(cluster: ClusterRecord, ref: VersionRef): ServiceError {
    const what = ref === 'current' ? 'current (approved) version' : ref === 'latest' ? 'version yet' : `version ${ref}`;
    return notFound('VERSION_NOT_FOUND', `Cluster "${cluster.name}" has no ${what}.`);
  }
}
