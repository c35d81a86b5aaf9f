import { AUDIT_ACTIONS } from '../audit/audit-query.dto';

/**
 * Every audit action of API.md ("Audit"): the event types a webhook can subscribe to (type = com.aksproxy.<action>).
 * The dispatcher itself treats actions generically: an action added later is delivered to "*" subscribers as is.
 */
export const WEBHOOK_EVENT_ACTIONS = AUDIT_ACTIONS;

export const ALL_EVENTS = '*';

/** Whether a subscription (events, clusters) wants an event (action, cluster). */
export function subscriptionMatches(sub: { events: string[]; clusters: string[] }, event: { action: string; cluster: string | null }): boolean {
  if (!sub.events.includes(ALL_EVENTS) && !sub.events.includes(event.action)) return false;
  if (sub.clusters.length === 0) return true;
  return event.cluster !== null && sub.clusters.includes(event.cluster.toLowerCase());
}
