import { Inject, Injectable } from '@nestjs/common';
import { type AuditEntry, AuditService } from '../audit/audit.service';
import type { Caller } from '../auth/principal';
import { hasRole } from '../auth/roles';
import { clusterContext, ClustersService } from '../clusters/clusters.service';
import { CLOCK, type Clock } from '../common/clock';
import { badRequest, conflict, forbidden, notFound, ServiceError } from '../common/service-error';
import { DatabaseService, type Tx } from '../database/database.service';
import { type ConfigDiff, diffVersions, type VersionSnapshot } from '../domain/diff';
import { contentHash, isValid, type CertificateDescription, type ProxyConfig } from '../domain/proxy-config';
import { nodePoolFindings } from '../domain/validate';
import { render, type RenderFormat, type Rendering } from '../domain/render';
import type { Cluster, ConfigVersion, Prisma } from '../generated/prisma/client';
import { etagFor, checkIfMatch } from '../http/etag';
import { decodeCursor, type Page, toPage } from '../http/pagination';
import type { StoredResponse } from '../idempotency/idempotency.service';
import { MetricsService } from '../health/metrics.service';
import { ValidateService } from '../validate/validate.service';
import type { DecisionDto } from './dto/decision.dto';
import type { SubmitConfigDto } from './dto/submit-config.dto';
import type { VersionRef } from './version-ref.pipe';
import { currentVersionOf } from './current-version';
import { versionView, type VersionView, type VersionWithDecisions } from './version.view';

const WITH_DECISIONS = { decisions: true } as const;

/** The URL of a version (Location, Content-Location). */
export const versionUrl = (cluster: string, version: number): string => `/v1/clusters/${encodeURIComponent(cluster)}/configs/${version}`;

@Injectable()
export class VersionsService {
  constructor(
    private readonly database: DatabaseService,
    private readonly clusters: ClustersService,
    private readonly validation: ValidateService,
    private readonly audit: AuditService,
    private readonly metrics: MetricsService,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  /**
   * A submission, in the caller's transaction: lock the cluster, validate with its context, answer 422 on any
   * error finding, return the current or pending version when the content is the same, else insert the next
   * number, supersede the older pending version, bump the revision and audit it all.
   */
  async submit(tx: Tx, clusterName: string, input: SubmitConfigDto, ifMatch: string | undefined, caller: Caller): Promise<StoredResponse<VersionView>> {
    if ((input.config === undefined) === (input.revertTo === undefined)) {
      throw badRequest('Give either config (a new config) or revertTo (an earlier version number), not both or neither.');
    }
    const cluster = await this.clusters.lock(tx, clusterName);
    checkIfMatch(ifMatch, cluster.revision);

    let submitted: unknown = input.config;
    if (input.revertTo !== undefined) {
      const old = await tx.configVersion.findUnique({ where: { clusterId_version: { clusterId: cluster.id, version: input.revertTo } } });
      if (!old) throw notFound('VERSION_NOT_FOUND', `Cluster "${clusterName}" has no version ${input.revertTo} to revert to.`);
      submitted = old.config;
    }

    const [current, pending] = await Promise.all([
      tx.configVersion.findFirst(currentVersionOf(cluster.id)),
      tx.configVersion.findFirst({ where: { clusterId: cluster.id, status: 'pending' }, orderBy: { version: 'desc' } }),
    ]);
    const result = this.validation.run(submitted, clusterContext(cluster, (current?.config as ProxyConfig | undefined) ?? null));
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
      const decisions = await tx.decision.findMany({ where: { versionId: same.id } });
      // API.md: the existing version, with Content-Location naming it.
      return this.response(200, cluster, versionView(cluster.name, { ...same, decisions }), { 'content-location': versionUrl(cluster.name, same.version) });
    }

    const now = this.clock.now();
    const number = cluster.lastVersion + 1;
    const events: AuditEntry[] = [];
    if (pending) {
      await tx.configVersion.update({ where: { id: pending.id }, data: { status: 'superseded', closedAt: now } });
      events.push({ action: 'config.superseded', cluster: cluster.name, version: pending.version, details: { from: 'pending', supersededBy: number } });
    }
    const created = await tx.configVersion.create({
      data: {
        clusterId: cluster.id,
        version: number,
        status: 'pending',
        config: result.normalized as Prisma.InputJsonValue,
        contentHash: hash,
        findings: result.findings as unknown as Prisma.InputJsonValue,
        certificates: result.certificates as unknown as Prisma.InputJsonValue,
        reason: input.reason,
        changeTicket: input.changeTicket ?? null,
        submittedBy: caller.actor,
        submittedVia: caller.via,
        submittedAt: now,
        requiredApprovals: cluster.requiredApprovals,
        revertOf: input.revertTo ?? null,
      },
    });
    const updated = await this.bump(tx, cluster, { lastVersion: number });
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
    await this.audit.appendAll(tx, caller, events);
    this.metrics.submissions.inc({ outcome: 'created' });
    const view = versionView(cluster.name, { ...created, decisions: [] });
    return this.response(201, updated, view, { location: versionUrl(cluster.name, number) });
  }

  /** One approver's decision, in the caller's transaction. */
  async decide(
    tx: Tx,
    clusterName: string,
    ref: VersionRef,
    input: DecisionDto,
    ifMatch: string | undefined,
    caller: Caller,
  ): Promise<StoredResponse<VersionView>> {
    const cluster = await this.clusters.lock(tx, clusterName);
    checkIfMatch(ifMatch, cluster.revision);
    const version = await this.find(tx, cluster, ref);
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
      const blockers = nodePoolFindings(clusterContext(cluster, null));
      if (blockers.length > 0) {
        throw new ServiceError(
          'unprocessable',
          'CONFIG_INVALID',
          `Version ${version.version} cannot be approved for the cluster as it is now: ${blockers[0].message}`,
          { findings: blockers },
        );
      }
    }
    const now = this.clock.now();
    const decision = await tx.decision.create({
      data: { versionId: version.id, actor: caller.actor, via: caller.via, decision: input.decision, comment: input.comment ?? '', at: now },
    });
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

    let fresh: ConfigVersion = version;
    let result: 'pending' | 'approved' | 'rejected' = 'pending';
    if (input.decision === 'reject') {
      result = 'rejected';
      fresh = await tx.configVersion.update({ where: { id: version.id }, data: { status: 'rejected', closedAt: now } });
      events.push({ action: 'config.rejected', cluster: cluster.name, version: version.version, details: {} });
    } else if (approvers.length >= version.requiredApprovals) {
      result = 'approved';
      const previous = await tx.configVersion.findFirst(currentVersionOf(cluster.id));
      if (previous) {
        await tx.configVersion.update({ where: { id: previous.id }, data: { status: 'superseded', closedAt: now } });
        events.push({ action: 'config.superseded', cluster: cluster.name, version: previous.version, details: { from: 'approved', supersededBy: version.version } });
      }
      fresh = await tx.configVersion.update({ where: { id: version.id }, data: { status: 'approved', approvedAt: now } });
      events.push({
        action: 'config.approved',
        cluster: cluster.name,
        version: version.version,
        details: { contentHash: version.contentHash, approvers, previous: previous?.version ?? null },
      });
    }
    const updated = await this.bump(tx, cluster, {});
    await this.audit.appendAll(tx, caller, events);
    this.metrics.decisions.inc({ decision: input.decision, result });
    // API.md: 201 with the version and Location (the version's URL).
    return this.response(201, updated, versionView(cluster.name, { ...fresh, decisions }), { location: versionUrl(cluster.name, version.version) });
  }

  /** The submitter (or an admin) takes a pending version back. */
  async withdraw(clusterName: string, ref: VersionRef, caller: Caller): Promise<{ version: VersionView; revision: number }> {
    return this.database.transaction(async (tx) => {
      const cluster = await this.clusters.lock(tx, clusterName);
      const version = await this.find(tx, cluster, ref);
      if (version.submittedBy !== caller.actor && !hasRole(caller.roles, 'admin')) {
        throw forbidden('FORBIDDEN', `Only ${version.submittedBy}, who submitted version ${version.version}, or an admin can withdraw it.`);
      }
      if (version.status !== 'pending') {
        throw conflict('NOT_PENDING', `Version ${version.version} is ${version.status}; only a pending version can be withdrawn.`);
      }
      const fresh = await tx.configVersion.update({
        where: { id: version.id },
        data: { status: 'withdrawn', closedAt: this.clock.now() },
        include: WITH_DECISIONS,
      });
      await this.audit.append(tx, caller, { action: 'config.withdrawn', cluster: cluster.name, version: version.version, details: {} });
      const updated = await this.bump(tx, cluster, {});
      return { version: versionView(cluster.name, fresh), revision: updated.revision };
    });
  }

  /** A version, with the cluster's revision: any change to a version moves it, so it is the version's ETag too. */
  async get(clusterName: string, ref: VersionRef): Promise<{ version: VersionView; revision: number }> {
    const cluster = await this.cluster(clusterName);
    return { version: versionView(cluster.name, await this.find(this.database.prisma, cluster, ref)), revision: cluster.revision };
  }

  async history(clusterName: string, status: string | undefined, limit: number, cursor?: string): Promise<Page<VersionView>> {
    const cluster = await this.cluster(clusterName);
    const before = decodeCursor(cursor, { v: 'int' });
    const rows = await this.database.prisma.configVersion.findMany({
      where: {
        clusterId: cluster.id,
        status: status as VersionWithDecisions['status'] | undefined,
        version: before ? { lt: before.v } : undefined,
      },
      orderBy: { version: 'desc' },
      take: limit + 1,
      include: WITH_DECISIONS,
    });
    return toPage(rows, limit, (r) => versionView(cluster.name, r), (r) => ({ v: r.version }));
  }

  /** Diff of version `ref` against `against` (default: current when it exists and is not `ref`, else previous, else empty). */
  async diff(clusterName: string, ref: VersionRef, against: string | undefined): Promise<{ diff: ConfigDiff; cluster: string; version: VersionView }> {
    const db = this.database.prisma;
    const cluster = await this.cluster(clusterName);
    const to = await this.find(db, cluster, ref);
    let from: ConfigVersion | null = null;
    if (against === undefined || against === 'current') {
      const current = await db.configVersion.findFirst(currentVersionOf(cluster.id));
      if (against === 'current' && !current) throw notFound('VERSION_NOT_FOUND', `Cluster "${clusterName}" has no current (approved) version to compare with.`);
      // An explicit `current` compares with the current version even when that is `v` itself (no change); only the
      // default falls back to the previous version then.
      from = current && (against === 'current' || current.version !== to.version) ? current : await this.previous(cluster, to.version);
    } else if (against === 'previous') {
      from = await this.previous(cluster, to.version);
    } else {
      from = await this.find(db, cluster, Number(against));
    }
    const snapshot = (v: ConfigVersion): VersionSnapshot => ({
      version: v.version,
      config: v.config as ProxyConfig,
      certificates: v.certificates as unknown as CertificateDescription[],
    });
    return { diff: diffVersions(from ? snapshot(from) : null, snapshot(to)), cluster: cluster.name, version: versionView(cluster.name, to) };
  }

  /** A deployable rendering of a version that was approved; audited as config.rendered. */
  async render(clusterName: string, ref: VersionRef, format: RenderFormat, caller: Caller): Promise<Rendering> {
    return this.database.transaction(async (tx) => {
      const cluster = await tx.cluster.findUnique({ where: { name: clusterName } });
      if (!cluster) throw this.clusters.notFound(clusterName);
      const version = await this.find(tx, cluster, ref);
      if (!version.approvedAt) {
        throw conflict('NOT_APPROVED', `Version ${version.version} is ${version.status} and was never approved; only approved versions can be rendered.`);
      }
      const rendering = render(format, version.config as ProxyConfig, {
        clusterName: cluster.name,
        resourceGroup: cluster.resourceGroup,
        subscriptionId: cluster.subscriptionId,
      });
      await this.audit.append(tx, caller, {
        action: 'config.rendered',
        cluster: cluster.name,
        version: version.version,
        details: { format, contentHash: version.contentHash },
      });
      return rendering;
    });
  }

  /** The normalized config of a version and the cluster's network (for explain). */
  async configFor(clusterName: string, ref: VersionRef): Promise<{ config: ProxyConfig; cluster: Cluster }> {
    const cluster = await this.cluster(clusterName);
    const version = await this.find(this.database.prisma, cluster, ref);
    return { config: version.config as ProxyConfig, cluster };
  }

  private async cluster(name: string): Promise<Cluster> {
    const cluster = await this.database.prisma.cluster.findUnique({ where: { name } });
    if (!cluster) throw this.clusters.notFound(name);
    return cluster;
  }

  private async previous(cluster: Cluster, version: number): Promise<ConfigVersion | null> {
    return this.database.prisma.configVersion.findFirst({
      where: { clusterId: cluster.id, version: { lt: version } },
      orderBy: { version: 'desc' },
    });
  }

  private async find(db: Tx, cluster: Cluster, ref: VersionRef): Promise<VersionWithDecisions> {
    const found =
      ref === 'current'
        ? await db.configVersion.findFirst({ ...currentVersionOf(cluster.id), include: WITH_DECISIONS })
        : ref === 'latest'
          ? await db.configVersion.findFirst({ where: { clusterId: cluster.id }, orderBy: { version: 'desc' }, include: WITH_DECISIONS })
          : await db.configVersion.findUnique({ where: { clusterId_version: { clusterId: cluster.id, version: ref } }, include: WITH_DECISIONS });
    if (!found) {
      const what = ref === 'current' ? 'current (approved) version' : ref === 'latest' ? 'version yet' : `version ${ref}`;
      throw notFound('VERSION_NOT_FOUND', `Cluster "${cluster.name}" has no ${what}.`);
    }
    return found;
  }

  private bump(tx: Tx, cluster: Cluster, data: Prisma.ClusterUpdateInput): Promise<Cluster> {
    return tx.cluster.update({ where: { id: cluster.id }, data: { ...data, revision: { increment: 1 } } });
  }

  private response(statusCode: number, cluster: Cluster, body: VersionView, extra: Record<string, string> = {}): StoredResponse<VersionView> {
    return { statusCode, headers: { etag: etagFor(cluster.revision), ...extra }, body };
  }
}
