import type { KnownBlock, MrkdwnElement, SectionBlock } from '@slack/types';
import { CloudEvent, HTTP } from 'cloudevents';
import type { AuditEventView } from '../audit/audit.service';
import type { VersionView } from '../versions/version.view';

/** Delivery formats (API.md "Events and webhooks"). */
export const WEBHOOK_FORMATS = ['cloudevents', 'slack', 'teams'] as const;
export type WebhookFormat = (typeof WEBHOOK_FORMATS)[number];

export const EVENT_TYPE_PREFIX = 'com.aksproxy.';
export const PING_TYPE = `${EVENT_TYPE_PREFIX}ping`;

/** A version as events carry it: certificates described, never their bodies (no trustedCa, no submitted copy of it). */
export type EventVersion = Omit<VersionView, 'config'> & { config: Record<string, unknown> };

/** What an event row holds (webhook_events.data), fixed when the event happened. */
export interface EventData {
  /** The audit event (for a ping: a stand-in naming the webhook). */
  event: AuditEventView | PingEvent;
  version?: EventVersion;
  /** The diff's one-line summary against the version that was current before (chat messages show it). */
  diffSummary?: string;
}

export interface PingEvent {
  action: 'ping';
  webhookId: string;
  at: string;
  actor: string;
  via?: string | null;
  cluster?: null;
  version?: null;
}

export interface Body {
  contentType: string;
  body: string;
}

/** Removes certificate bodies from a version view: `config.trustedCa` and the same in `submitted`, if present. */
export function eventVersion(view: VersionView): EventVersion {
  const strip = (value: unknown): unknown => {
    if (!value || typeof value !== 'object' || Array.isArray(value)) return value;
    const { trustedCa: _dropped, ...rest } = value as Record<string, unknown>;
    return rest;
  };
  const copy = { ...view, config: strip(view.config) } as EventVersion & { submitted?: unknown };
  if ('submitted' in copy) copy.submitted = strip(copy.submitted);
  return copy;
}

const clusterPath = (cluster: string) => `/v1/clusters/${encodeURIComponent(cluster)}`;
const versionPath = (cluster: string, version: number) => `${clusterPath(cluster)}/configs/${version}`;

/** The body of one delivery in the webhook's format. Deterministic: every attempt sends the same bytes. */
export function deliveryBody(format: WebhookFormat, eventId: string, type: string, data: EventData, publicUrl: string | null): Body {
  if (format === 'slack') return { contentType: 'application/json', body: JSON.stringify(slackMessage(eventId, type, data, publicUrl)) };
  if (format === 'teams') return { contentType: 'application/json', body: JSON.stringify(teamsMessage(eventId, type, data, publicUrl)) };
  return cloudEvent(eventId, type, data);
}

/** CloudEvents 1.0, structured mode (application/cloudevents+json), made by the cloudevents SDK. */
function cloudEvent(eventId: string, type: string, data: EventData): Body {
  const { event, version } = data;
  const cluster = event.cluster ?? null;
  const ce = new CloudEvent({
    specversion: '1.0',
    id: eventId,
    source: cluster ? clusterPath(cluster) : '/v1',
    type,
    ...(cluster && event.version ? { subject: versionPath(cluster, event.version) } : {}),
    time: event.at,
    datacontenttype: 'application/json',
    data: version ? { event, version } : { event },
  });
  const message = HTTP.structured(ce);
  return { contentType: 'application/cloudevents+json', body: String(message.body) };
}

/** The facts a chat message shows, in order (label, plain text). */
interface ChatSummary {
  title: string;
  facts: [string, string][];
  diffSummary: string | null;
  link: string | null;
  footer: string;
}

function actorOf(event: { actor: string; via?: string | null }): string {
  return event.via ? `${event.actor} (via ${event.via})` : event.actor;
}

function sentence(data: EventData): string {
  const { event, version } = data;
  const who = actorOf(event);
  if (event.action === 'ping') return `Ping from the AKS proxy config service (webhook ${(event as PingEvent).webhookId})`;
  const where = event.cluster ? (event.version ? `${event.cluster} v${event.version}` : event.cluster) : null;
  const details = ((event as AuditEventView).details ?? {}) as Record<string, unknown>;
  switch (event.action) {
    case 'config.submitted':
      return `${who} submitted ${where}${version?.status === 'pending' ? ': waits for approval' : ''}`;
    case 'config.decided':
      return `${who} ${details.decision === 'reject' ? 'rejected' : 'approved'} ${where}`;
    case 'config.approved':
      return `${where} is approved`;
    case 'config.rejected':
      return `${where} is rejected`;
    case 'config.withdrawn':
      return `${who} withdrew ${where}`;
    case 'config.superseded':
      return `${where} is superseded`;
    case 'config.rendered':
      return `${who} rendered ${where}${typeof details.format === 'string' ? ` as ${details.format}` : ''}`;
    default:
      return `${event.action}${where ? ` on ${where}` : ''} by ${who}`;
  }
}

function chatSummary(eventId: string, type: string, data: EventData, publicUrl: string | null): ChatSummary {
  const { event, version } = data;
  const facts: [string, string][] = [];
  if (event.cluster) facts.push(['Cluster', event.cluster]);
  if (event.version) facts.push(['Version', version ? `${event.version} (${version.status})` : String(event.version)]);
  facts.push(['Actor', actorOf(event)]);
  if (version) {
    facts.push(['Reason', version.reason || '—']);
    facts.push(['Change ticket', version.changeTicket ?? '—']);
    const approvers = version.decisions.filter((d) => d.decision === 'approve').map((d) => d.actor);
    const rejecters = version.decisions.filter((d) => d.decision === 'reject').map((d) => d.actor);
    facts.push([
      'Approvals',
      `${approvers.length} of ${version.requiredApprovals}${approvers.length ? ` (${approvers.join(', ')})` : ''}${rejecters.length ? `; rejected by ${rejecters.join(', ')}` : ''}`,
    ]);
    facts.push(['Submitted by', actorOf({ actor: version.submittedBy, via: version.submittedVia })]);
  }
  const path = event.cluster ? (event.version ? versionPath(event.cluster, event.version) : clusterPath(event.cluster)) : null;
  return {
    title: sentence(data),
    facts,
    diffSummary: data.diffSummary ?? null,
    link: publicUrl && path ? `${publicUrl}${path}` : null,
    footer: `${type} · ${eventId} · ${event.at}`,
  };
}

/** Slack mrkdwn needs &, < and > escaped (its control characters). */
const slackEscape = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const cut = (s: string, max: number) => (s.length <= max ? s : `${s.slice(0, max - 1)}…`);

export interface SlackMessage {
  text: string;
  blocks: KnownBlock[];
}

/** A Slack incoming-webhook message: `text` (notifications, fallback) and Block Kit `blocks`. */
export function slackMessage(eventId: string, type: string, data: EventData, publicUrl: string | null): SlackMessage {
  const s = chatSummary(eventId, type, data, publicUrl);
  const fields: MrkdwnElement[] = s.facts.slice(0, 10).map(([label, value]) => ({ type: 'mrkdwn', text: cut(`*${label}*\n${slackEscape(value)}`, 2000) }));
  const blocks: KnownBlock[] = [
    { type: 'header', text: { type: 'plain_text', text: cut(s.title, 150), emoji: false } },
    { type: 'section', fields } satisfies SectionBlock,
  ];
  if (s.diffSummary) blocks.push({ type: 'section', text: { type: 'mrkdwn', text: cut(`*Change:* ${slackEscape(s.diffSummary)}`, 3000) } });
  if (s.link) {
    blocks.push({
      type: 'actions',
      elements: [{ type: 'button', text: { type: 'plain_text', text: 'Open in AKS proxy config' }, url: s.link, action_id: 'open' }],
    });
  }
  blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: cut(slackEscape(s.footer), 3000) }] });
  const text = [s.title, s.diffSummary, s.link].filter(Boolean).join(' — ');
  return { text: cut(slackEscape(text), 3000), blocks };
}

/** The Adaptive Card elements used (a subset of the schema; test/webhooks parses every card with `adaptivecards`). */
export interface AdaptiveTextBlock {
  type: 'TextBlock';
  text: string;
  wrap?: boolean;
  weight?: 'Default' | 'Lighter' | 'Bolder';
  size?: 'Default' | 'Small' | 'Medium' | 'Large' | 'ExtraLarge';
  isSubtle?: boolean;
}
export interface AdaptiveFactSet {
  type: 'FactSet';
  facts: { title: string; value: string }[];
}
export interface AdaptiveOpenUrl {
  type: 'Action.OpenUrl';
  title: string;
  url: string;
}
export interface AdaptiveCard {
  $schema: 'http://adaptivecards.io/schemas/adaptive-card.json';
  type: 'AdaptiveCard';
  version: '1.4';
  body: (AdaptiveTextBlock | AdaptiveFactSet)[];
  actions?: AdaptiveOpenUrl[];
}
export interface TeamsMessage {
  type: 'message';
  attachments: [{ contentType: 'application/vnd.microsoft.card.adaptive'; contentUrl: null; content: AdaptiveCard }];
}

/** A Teams (Workflows / incoming webhook) message with one Adaptive Card attachment. */
export function teamsMessage(eventId: string, type: string, data: EventData, publicUrl: string | null): TeamsMessage {
  const s = chatSummary(eventId, type, data, publicUrl);
  const body: AdaptiveCard['body'] = [
    { type: 'TextBlock', text: s.title, weight: 'Bolder', size: 'Medium', wrap: true },
    { type: 'FactSet', facts: s.facts.map(([title, value]) => ({ title, value })) },
  ];
  if (s.diffSummary) body.push({ type: 'TextBlock', text: s.diffSummary, wrap: true });
  body.push({ type: 'TextBlock', text: s.footer, isSubtle: true, size: 'Small', wrap: true });
  const card: AdaptiveCard = {
    $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
    type: 'AdaptiveCard',
    version: '1.4',
    body,
    ...(s.link ? { actions: [{ type: 'Action.OpenUrl', title: 'Open in AKS proxy config', url: s.link }] } : {}),
  };
  return { type: 'message', attachments: [{ contentType: 'application/vnd.microsoft.card.adaptive', contentUrl: null, content: card }] };
}
