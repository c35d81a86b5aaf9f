// After a fault: read everything back through the API and compare it with what the clients were told.
import { client, collectAll, expectStatus } from './http.mjs';

const key = (cluster, version) => `${cluster}#${version}`;

/**
 * Returns { checks: [{ name, ok, detail }], stats } for:
 *  - acked:      every acknowledged submission is there with its number and contentHash; every acknowledged
 *                decision is there, with the status it implies;
 *  - numbering:  per cluster, versions are exactly 1..N (no gap, no duplicate) and N is the cluster's latest;
 *  - invariants: at most one pending and one approved version per cluster, no content stored twice in a cluster
 *                (a write applied twice), approved versions carry their approvals, rejected ones a reject;
 *  - audit:      GET /v1/audit/verify says ok, and config.submitted / config.decided / config.approved events
 *                match the stored versions and decisions one for one (same transaction as the change).
 */
export async function verifyState({ url, token, clusters, ledger }) {
  const api = client(url, token);
  const versions = new Map();
  const numbering = [];
  const invariants = [];
  let totalDecisions = 0;
  for (const cluster of clusters) {
    const items = await collectAll(api, `/v1/clusters/${cluster}/configs`);
    const info = expectStatus(await api.get(`/v1/clusters/${cluster}`), 200, `GET cluster ${cluster}`).body;
    const numbers = items.map((v) => v.version).sort((a, b) => a - b);
    const max = numbers.at(-1) ?? 0;
    const dupes = numbers.filter((n, i) => i > 0 && numbers[i - 1] === n);
    const missing = [];
    const have = new Set(numbers);
    for (let n = 1; n <= max && missing.length < 10; n++) if (!have.has(n)) missing.push(n);
    if (dupes.length) numbering.push(`${cluster}: duplicate version numbers ${[...new Set(dupes)].slice(0, 10).join(', ')}`);
    if (missing.length) numbering.push(`${cluster}: missing version numbers ${missing.join(', ')} (of 1..${max})`);
    if ((info.latestVersion?.version ?? 0) !== max) numbering.push(`${cluster}: latestVersion ${info.latestVersion?.version} but history ends at ${max}`);

    const byStatus = (s) => items.filter((v) => v.status === s);
    if (byStatus('pending').length > 1) invariants.push(`${cluster}: ${byStatus('pending').length} pending versions`);
    if (byStatus('approved').length > 1) invariants.push(`${cluster}: ${byStatus('approved').length} approved versions`);
    const hashes = new Map();
    for (const v of items) {
      versions.set(key(cluster, v.version), v);
      totalDecisions += v.decisions.length;
      if (hashes.has(v.contentHash)) invariants.push(`${cluster}: versions ${hashes.get(v.contentHash)} and ${v.version} have the same content (applied twice?)`);
      hashes.set(v.contentHash, v.version);
      const approvals = v.decisions.filter((d) => d.decision === 'approve').length;
      const rejects = v.decisions.filter((d) => d.decision === 'reject').length;
      if (v.status === 'approved' && !v.approvedAt) invariants.push(`${cluster}/${v.version}: approved without approvedAt`);
      if (v.approvedAt && approvals < v.requiredApprovals) invariants.push(`${cluster}/${v.version}: approved with ${approvals} of ${v.requiredApprovals} approvals`);
      if (v.status === 'rejected' && rejects === 0) invariants.push(`${cluster}/${v.version}: rejected without a reject decision`);
      if (v.status === 'pending' && (rejects > 0 || approvals >= v.requiredApprovals)) invariants.push(`${cluster}/${v.version}: still pending after its decisions`);
      const actors = v.decisions.map((d) => d.actor);
      if (new Set(actors).size !== actors.length) invariants.push(`${cluster}/${v.version}: one actor decided twice`);
    }
  }

  const acked = [];
  for (const s of ledger.submits) {
    const v = versions.get(key(s.cluster, s.version));
    if (!v) acked.push(`submission ${s.cluster}/${s.version} (${s.key}) was acknowledged but is missing`);
    else if (v.contentHash !== s.contentHash) acked.push(`${s.cluster}/${s.version}: contentHash ${v.contentHash.slice(0, 12)} but ${s.contentHash.slice(0, 12)} was acknowledged (${s.key})`);
    else if (s.actor && v.submittedBy !== s.actor) acked.push(`${s.cluster}/${s.version}: submittedBy ${v.submittedBy}, expected ${s.actor}`);
  }
  for (const d of ledger.decisions) {
    const v = versions.get(key(d.cluster, d.version));
    if (!v) {
      acked.push(`decision on ${d.cluster}/${d.version} acknowledged but the version is missing`);
      continue;
    }
    const found = v.decisions.find((x) => x.actor === d.actor);
    if (!found) acked.push(`decision ${d.decision} by ${d.actor} on ${d.cluster}/${d.version} (${d.key}) was acknowledged but is missing`);
    else if (found.decision !== d.decision) acked.push(`${d.cluster}/${d.version}: decision ${found.decision}, ${d.decision} was acknowledged`);
    else if (d.decision === 'approve' && !v.approvedAt) acked.push(`${d.cluster}/${d.version}: approval acknowledged but the version was never approved (status ${v.status})`);
    else if (d.decision === 'reject' && v.status !== 'rejected') acked.push(`${d.cluster}/${d.version}: reject acknowledged but status is ${v.status}`);
  }

  const audit = [];
  const verify = expectStatus(await api.get('/v1/audit/verify'), 200, 'GET /v1/audit/verify').body;
  if (!verify.ok) audit.push(`audit verify: ${JSON.stringify(verify)}`);
  const ours = new Set(clusters);
  const events = async (action) => (await collectAll(api, `/v1/audit?action=${action}`)).filter((e) => ours.has(e.cluster));
  const submitted = await events('config.submitted');
  const decided = await events('config.decided');
  const approvedEvents = await events('config.approved');
  const submittedByKey = new Map(submitted.map((e) => [key(e.cluster, e.version), e]));
  const submittedKeys = new Set(submittedByKey.keys());
  if (submitted.length !== submittedKeys.size) audit.push(`${submitted.length - submittedKeys.size} duplicate config.submitted events`);
  for (const [k, v] of versions) {
    if (!submittedKeys.has(k)) audit.push(`version ${k} has no config.submitted event`);
    else {
      const e = submittedByKey.get(k);
      if (e.details?.contentHash !== v.contentHash) audit.push(`config.submitted for ${k} names another contentHash`);
    }
    if (audit.length > 20) break;
  }
  for (const k of submittedKeys) if (!versions.has(k)) audit.push(`config.submitted event for ${k}, which does not exist`);
  if (decided.length !== totalDecisions) audit.push(`${decided.length} config.decided events for ${totalDecisions} stored decisions`);
  const approvedVersions = [...versions.values()].filter((v) => v.approvedAt).length;
  if (approvedEvents.length !== approvedVersions) audit.push(`${approvedEvents.length} config.approved events for ${approvedVersions} approved versions`);

  const stats = {
    versions: versions.size,
    decisions: totalDecisions,
    ackedSubmits: ledger.submits.length,
    ackedDecisions: ledger.decisions.length,
    auditEvents: verify.events,
  };
  const show = (list) => (list.length ? `${list.length} problem(s): ${list.slice(0, 5).join('; ')}` : '');
  return {
    stats,
    checks: [
      { name: 'acknowledged writes present', ok: acked.length === 0, detail: show(acked) || `${stats.ackedSubmits} submissions, ${stats.ackedDecisions} decisions` },
      { name: 'version numbers 1..N, no gaps or duplicates', ok: numbering.length === 0, detail: show(numbering) || `${stats.versions} versions in ${clusters.length} clusters` },
      { name: 'state invariants', ok: invariants.length === 0, detail: show(invariants) || 'one pending/approved at most, no double apply' },
      { name: 'audit chain verifies and matches the data', ok: audit.length === 0, detail: show(audit) || `${verify.events} events, ok` },
    ],
  };
}
