import type { TaigaWebhookLog } from '@tundra/taiga';
import type { WebhookDelivery } from '../http/webhook-schemas.js';

/** The name Tundra gives the webhook it registers in a Taiga project. */
export const tundraWebhookName = 'Tundra';

/** The ingester's endpoint for a project's Taiga webhooks. */
export function webhookUrlFor(ingesterPublicUrl: string, projectId: string): string {
  return `${ingesterPublicUrl.replace(/\/+$/, '')}/webhooks/taiga/${encodeURIComponent(projectId)}`;
}

interface ExistingWebhook {
  id: number;
  name: string;
  url: string;
  key: string;
}

export type WebhookPlan =
  | { kind: 'create' }
  | { kind: 'update'; id: number; patch: { url?: string; key?: string } }
  | { kind: 'unchanged'; id: number };

/**
 * The project's webhook among a Taiga project's: the one to `url`, else one to the project's ingester endpoint at
 * another address (the ingester moved), else null.
 */
export function findTundraWebhook<T extends { url: string }>(
  webhooks: readonly T[],
  url: string | null,
  projectId: string,
): T | null {
  const path = `/webhooks/taiga/${encodeURIComponent(projectId)}`;
  return (
    webhooks.find((webhook) => webhook.url === url) ??
    webhooks.find((webhook) => URL.canParse(webhook.url) && new URL(webhook.url).pathname === path) ??
    null
  );
}

/**
 * What to do so that the project has a webhook to `url` signed with `key`: keep the one that has both, fix the one
 * pointing at this project's ingester endpoint, or create one.
 */
export function planWebhook(
  existing: readonly ExistingWebhook[],
  desired: { projectId: string; url: string; key: string },
): WebhookPlan {
  const match = findTundraWebhook(existing, desired.url, desired.projectId);
  if (!match) return { kind: 'create' };
  const patch = {
    ...(match.url === desired.url ? {} : { url: desired.url }),
    ...(match.key === desired.key ? {} : { key: desired.key }),
  };
  return Object.keys(patch).length === 0
    ? { kind: 'unchanged', id: match.id }
    : { kind: 'update', id: match.id, patch };
}

/**
 * The steps a person follows to add (or fix) the webhook Tundra could not: set the key first when it is not set,
 * then Taiga's admin pages; and, when the bot is no project admin, how to let Tundra do it next time.
 */
export function manualWebhookSteps(input: {
  projectId: string;
  taigaProjectSlug: string;
  url: string | null;
  secretRef: string;
  /** Whether the API has the key (it shares the ingester's environment). */
  keySet: boolean;
  /** The bot's username when it is no admin of the Taiga project. */
  botNotAdmin: string | null;
}): string[] {
  const url =
    input.url ??
    `https://<ingester>/webhooks/taiga/${encodeURIComponent(input.projectId)}, where <ingester> is where Taiga's ` +
      'server reaches Tundra’s ingester (set TUNDRA_INGESTER_PUBLIC_URL on the API to let Tundra do this)';
  return [
    ...(input.keySet
      ? []
      : [
          `Set ${input.secretRef} to a long random string (e.g. \`openssl rand -hex 32\`) in the environment of ` +
            "Tundra's ingester and API, and restart them",
        ]),
    `In Taiga, open the project '${input.taigaProjectSlug}': Admin → Integrations → Webhooks → Add a new ` +
      `webhook (or edit the one named '${tundraWebhookName}')`,
    `Name: ${tundraWebhookName}`,
    `URL: ${url}`,
    `Secret key: the value of ${input.secretRef}`,
    `Save, then run \`tundra projects check ${input.projectId}\` (or press Test in Taiga: its log must show 200)`,
    ...(input.botNotAdmin === null
      ? []
      : [
          `Or let Tundra do it: make '${input.botNotAdmin}' an admin of the project (Admin → Members), then run ` +
            '`tundra projects apply` again',
        ]),
  ];
}

/** The ingester's answer inside a delivery log (`{"content": "<the body it answered>"}`), parsed when it is JSON. */
function ingesterAnswer(log: TaigaWebhookLog): { text: string; json: unknown } {
  let text = log.response_data;
  try {
    const wrapped = JSON.parse(log.response_data) as { content?: unknown };
    if (typeof wrapped.content === 'string') text = wrapped.content;
  } catch {
    // Taiga writes `error-in-request: …` when it could not send: that text is the answer.
  }
  try {
    return { text, json: JSON.parse(text) as unknown };
  } catch {
    return { text, json: null };
  }
}

/** A delivery of the webhook's log, for people: when, what, the ingester's status and answer. */
export function describeDelivery(log: TaigaWebhookLog): WebhookDelivery {
  const request = (log.request_data ?? {}) as { action?: unknown; type?: unknown };
  const { text } = ingesterAnswer(log);
  return {
    id: log.id,
    at: log.created,
    action: typeof request.action === 'string' ? request.action : null,
    type: typeof request.type === 'string' ? request.type : null,
    status: log.status,
    ok: log.status >= 200 && log.status < 300,
    answer: text.length > 200 ? `${text.slice(0, 199)}…` : text,
  };
}

/**
 * What the log of a test delivery says: the ingester got it and verified the signature (it answers 200 with
 * `authenticated: true` and the project only after the key matched), or why not.
 */
export function readTestDelivery(
  log: TaigaWebhookLog,
  project: { id: string; secretRef: string },
): { verified: boolean; verdict: string; ingesterAnswer: unknown } {
  const { text, json } = ingesterAnswer(log);
  const answer = (json ?? {}) as { authenticated?: unknown; project?: unknown; error?: unknown };
  const verified = log.status === 200 && answer.authenticated === true && answer.project === project.id;
  let verdict: string;
  if (verified) {
    verdict = `the ingester got Taiga's test delivery for project ${project.id} and verified its signature`;
  } else if (log.status === 0) {
    verdict = `Taiga could not reach the ingester at ${log.url}: ${text}`;
  } else if (log.status === 401) {
    verdict =
      `the ingester refused the signature (${text}): the webhook's secret key in Taiga is not the value of ` +
      `${project.secretRef} in the ingester's environment`;
  } else if (log.status === 404) {
    verdict = `the ingester knows no project ${project.id} at ${log.url} (${text})`;
  } else {
    verdict = `the ingester answered ${log.status}: ${text}`;
  }
  return { verified, verdict, ingesterAnswer: json ?? text };
}
