// Write load for the fault checks: clients that submit distinct configs and decide on them, remembering every
// write the service acknowledged (2xx) and every one whose outcome is unknown (no answer, or a 5xx), so that
// after a crash the checks can demand the first and settle the second by an idempotent retry.
import { plainConfig } from './configs.mjs';
import { request } from './http.mjs';
import { sleep } from './common.mjs';

/** A small seeded PRNG (mulberry32): the seed fixes the sequence of choices (which clients draw them depends on timing). */
export function prng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function createLedger() {
  return {
    /** acknowledged submissions: { cluster, version, contentHash, key, at, target, resolved? } */
    submits: [],
    /** acknowledged decisions: { cluster, version, decision, actor, key, at, target, resolved? } */
    decisions: [],
    /** writes without a definite answer: { kind, cluster, path, body, key, token, target, status?, error? } */
    unknown: [],
    /** answers that should never happen (5xx other than 503, unexpected 4xx): { what, status, text } */
    unexpected: [],
    /** status code (or "network") → count */
    statuses: {},
    /** 503 answers: { code, ms } samples (the latest 500) */
    unavailable: [],
    maxLatencyMs: 0,
  };
}

function count(ledger, key) {
  ledger.statuses[key] = (ledger.statuses[key] ?? 0) + 1;
}

/**
 * One client: loops until stop() says so (or maxOps/deadline), each time submitting a distinct config to a random
 * cluster and, most of the time, approving or rejecting the version it got. `onNetworkError`: 'stop' ends the
 * client at the first request without an answer (its service is gone); 'pause' waits and goes on.
 */
export async function runClient({
  id,
  runId,
  target, // { name, url }
  tokens, // { submitter, approver }
  actors, // { submitter, approver } key names
  clusters,
  ledger,
  stop,
  random,
  maxOps = 100_000,
  deadline = Date.now() + 120_000,
  onNetworkError = 'stop',
  decideRatio = 0.7,
  rejectRatio = 0.15,
  timeoutMs = 15_000,
}) {
  let seq = 0;
  const call = async (what, kind, path, token, actor, body, key) => {
    const started = Date.now();
    try {
      const res = await request(target.url, 'POST', path, { token, body, headers: { 'idempotency-key': key }, timeoutMs });
      const ms = Date.now() - started;
      if (ms > ledger.maxLatencyMs) ledger.maxLatencyMs = ms;
      count(ledger, String(res.status));
      if (res.status === 503) {
        ledger.unavailable.push({ code: res.body?.code ?? null, ms, target: target.name });
        if (ledger.unavailable.length > 500) ledger.unavailable.shift();
      }
      if (res.status >= 500) ledger.unknown.push({ kind, path, body, key, token, actor, target: target.name, status: res.status, code: res.body?.code });
      if (res.status >= 500 && res.status !== 503) ledger.unexpected.push({ what, status: res.status, text: res.text.slice(0, 300) });
      return res;
    } catch (err) {
      if (!err.network) throw err;
      count(ledger, 'network');
      ledger.unknown.push({ kind, path, body, key, token, actor, target: target.name, error: err.message });
      return null;
    }
  };

  while (!stop() && seq < maxOps && Date.now() < deadline) {
    seq += 1;
    const cluster = clusters[Math.floor(random() * clusters.length)];
    const tag = `${runId}-${id}-${seq}`;
    const submitBody = { config: plainConfig(tag), reason: `fault load ${tag}`, changeTicket: `F-${tag}` };
    const submitKey = `sub-${tag}`;
    const path = `/v1/clusters/${cluster}/configs`;
    const res = await call(`submit ${cluster}`, 'submit', path, tokens.submitter, actors.submitter, submitBody, submitKey);
    if (!res) {
      if (onNetworkError === 'stop') return;
      await sleep(200);
      continue;
    }
    if (res.status === 201) {
      ledger.submits.push({ cluster, version: res.body.version, contentHash: res.body.contentHash, key: submitKey, at: Date.now(), target: target.name, actor: actors.submitter });
    } else if (res.status === 503) {
      await sleep(100);
      continue;
    } else {
      if (res.status < 500) ledger.unexpected.push({ what: `submit ${cluster}`, status: res.status, text: res.text.slice(0, 300) });
      continue;
    }
    if (random() >= decideRatio) continue;
    const version = res.body.version;
    const decision = random() < rejectRatio / decideRatio ? 'reject' : 'approve';
    const decideKey = `dec-${tag}`;
    const dpath = `/v1/clusters/${cluster}/configs/${version}/decisions`;
    const d = await call(`decide ${cluster}/${version}`, 'decision', dpath, tokens.approver, actors.approver, { decision, comment: `fault ${tag}` }, decideKey);
    if (!d) {
      if (onNetworkError === 'stop') return;
      await sleep(200);
      continue;
    }
    if (d.status === 201) {
      ledger.decisions.push({ cluster, version, decision, actor: actors.approver, key: decideKey, at: Date.now(), target: target.name });
    } else if (d.status === 409 && d.body?.code === 'NOT_PENDING') {
      /* another client's submission superseded it first: fine */
    } else if (d.status === 503) {
      await sleep(100);
    } else if (d.status < 500) {
      ledger.unexpected.push({ what: `decide ${cluster}/${version}`, status: d.status, text: d.text.slice(0, 300) });
    }
  }
}

/**
 * Settles the writes whose outcome was unknown by repeating them with the same Idempotency-Key against `url`:
 * a committed one replays its first answer, a lost one is applied now. Answers that show the idempotency contract
 * broken are returned as problems. Retries 503 a bounded number of times.
 */
export async function settleUnknown(ledger, url, { attempts = 20 } = {}) {
  const problems = [];
  let replayed = 0;
  let applied = 0;
  let notPending = 0;
  const pending = ledger.unknown.splice(0);
  for (const u of pending) {
    let res = null;
    for (let i = 0; i < attempts; i++) {
      try {
        res = await request(url, 'POST', u.path, { token: u.token, body: u.body, headers: { 'idempotency-key': u.key }, timeoutMs: 20_000 });
      } catch (err) {
        res = null;
        if (!err.network) throw err;
      }
      if (res && res.status !== 503) break;
      await sleep(250);
    }
    if (!res) {
      problems.push(`retry of ${u.kind} ${u.path} (${u.key}) got no answer`);
      continue;
    }
    const wasReplayed = res.headers.get('idempotent-replayed') === 'true';
    if (u.kind === 'submit') {
      const cluster = u.path.split('/')[3];
      if (res.status === 201) {
        if (wasReplayed) replayed += 1;
        else applied += 1;
        ledger.submits.push({ cluster, version: res.body.version, contentHash: res.body.contentHash, key: u.key, at: Date.now(), target: u.target, resolved: true, actor: u.actor });
      } else {
        problems.push(`retry of submit ${u.path} (${u.key}) answered ${res.status}: ${res.text.slice(0, 200)}`);
      }
    } else {
      const [, , , cluster, , version] = u.path.split('/');
      if (res.status === 201) {
        if (wasReplayed) replayed += 1;
        else applied += 1;
        ledger.decisions.push({ cluster, version: Number(version), decision: u.body.decision, actor: u.actor, key: u.key, at: Date.now(), target: u.target, resolved: true });
      } else if (res.status === 409 && res.body?.code === 'NOT_PENDING') {
        notPending += 1; // the decision was never applied and the version has since been superseded or decided
      } else {
        problems.push(`retry of decision ${u.path} (${u.key}) answered ${res.status}: ${res.text.slice(0, 200)}`);
      }
    }
  }
  return { settled: pending.length, replayed, applied, notPending, problems };
}

/** Runs `clients` clients (spread round-robin over `targets`) until stop(); returns when all have ended. */
export function startLoad({ clients, targets, ...common }) {
  let stopped = false;
  const stop = () => stopped || common.stop?.();
  const random = common.random;
  const runs = [];
  for (let i = 0; i < clients; i++) {
    const target = targets[i % targets.length];
    runs.push(runClient({ ...common, id: i, target, random, stop }));
  }
  return {
    stop() {
      stopped = true;
    },
    done: Promise.all(runs),
  };
}
