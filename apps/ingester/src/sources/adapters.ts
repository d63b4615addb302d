import { isWebhookKeyVariable, type Project, webhookKeyVariablePrefix } from '@tundra/core';
import { verifyTaigaSignature } from '@tundra/taiga/webhook-signature';
import type { Normalised, Source } from '../ingest/ingest-event.js';
import { type Rejection, RejectReason, reject } from '../ingest/rejection.js';
import { normaliseCiCallback } from './ci-callback.js';
import { normaliseGithub } from './github.js';
import { normaliseGitlab } from './gitlab.js';
import { type BotIdentity, normaliseTaiga } from './taiga.js';
import { bearerToken, safeEqual, verifyGithubSignature } from './verify.js';

/** A webhook request as received: header names in lower case, the body as raw bytes. */
export interface Delivery {
  source: Source;
  /** The `:projectKey` of a Taiga webhook's URL; null for the other sources. */
  projectKey: string | null;
  headers: Readonly<Record<string, string>>;
  body: Buffer;
  receivedAt: Date;
}

export interface AdapterContext {
  /** The Taiga project the URL names (looked up before), else null. */
  project: Project | null;
  /**
   * True when re-driving an inbox entry: HMAC signatures are checked again on the stored bytes; token headers are
   * never stored (they are the secret itself), so for token sources the check made when it was accepted stands.
   */
  stored: boolean;
}

/** What differs between sources: how a sender proves itself, which headers matter, how a body is normalised. */
export interface SourceAdapter {
  source: Source;
  /** Headers kept in the inbox entry: enough to verify and route it again, and never a secret. */
  keptHeaders: readonly string[];
  authenticate(delivery: Delivery, ctx: AdapterContext): Rejection | null;
  normalise(body: unknown, delivery: Delivery, ctx: AdapterContext): Normalised;
  /** The sender's delivery id, when it has one; otherwise deliveries are told apart by a hash of the body. */
  deliveryKey(delivery: Delivery): string | null;
}

export interface AdapterSecrets {
  githubWebhookSecret: string | undefined;
  gitlabWebhookToken: string | undefined;
  ciToken: string | undefined;
  /** The Taiga webhook key a project names by `taiga.webhookSecretRef` (an environment variable by default). */
  taigaWebhookKey(ref: string): string | undefined;
}

const missing = (header: string) => reject(401, RejectReason.MissingSignature, `missing ${header} header`);
const bad = (header: string) => reject(401, RejectReason.BadSignature, `${header} does not match`);
const unset = (what: string) =>
  reject(401, RejectReason.NoSecret, `${what} is not configured on this ingester`);

function checkToken(
  presented: string | null | undefined,
  expected: string | undefined,
  header: string,
  what: string,
) {
  if (expected === undefined) return unset(what);
  if (!presented) return missing(header);
  return safeEqual(presented, expected) ? null : bad(header);
}

/** The four sources' adapters. */
export function createAdapters(secrets: AdapterSecrets, bot: BotIdentity): Record<Source, SourceAdapter> {
  return {
    taiga: {
      source: 'taiga',
      keptHeaders: ['x-taiga-webhook-signature'],
      authenticate(delivery, { project }) {
        const ref = project?.taiga.webhookSecretRef ?? '';
        // A project stored before the prefix was enforced may name any variable: none outside it is a key.
        if (!isWebhookKeyVariable(ref)) {
          return unset(
            `the webhook key of project ${project?.id} (${ref} is not a ${webhookKeyVariablePrefix}* variable)`,
          );
        }
        const key = secrets.taigaWebhookKey(ref);
        if (key === undefined) return unset(`the webhook key of project ${project?.id} (${ref})`);
        const header = delivery.headers['x-taiga-webhook-signature'];
        if (!header) return missing('X-TAIGA-WEBHOOK-SIGNATURE');
        return verifyTaigaSignature(delivery.body, key, header) ? null : bad('X-TAIGA-WEBHOOK-SIGNATURE');
      },
      normalise: (body, delivery, { project }) =>
        normaliseTaiga(body, { projectId: project?.id ?? '', bot, receivedAt: delivery.receivedAt }),
      deliveryKey: () => null,
    },
    github: {
      source: 'github',
      keptHeaders: ['x-hub-signature-256', 'x-github-event', 'x-github-delivery'],
      authenticate(delivery) {
        if (secrets.githubWebhookSecret === undefined) return unset('TUNDRA_GITHUB_WEBHOOK_SECRET');
        const header = delivery.headers['x-hub-signature-256'];
        if (!header) return missing('X-Hub-Signature-256');
        if (!verifyGithubSignature(delivery.body, secrets.githubWebhookSecret, header))
          return bad('X-Hub-Signature-256');
        if (!delivery.headers['x-github-event'])
          return reject(400, RejectReason.MissingHeader, 'missing X-GitHub-Event header');
        if (!delivery.headers['x-github-delivery']) {
          return reject(400, RejectReason.MissingHeader, 'missing X-GitHub-Delivery header');
        }
        return null;
      },
      normalise: (body, delivery) =>
        normaliseGithub(delivery.headers['x-github-event'] ?? '', body, delivery.receivedAt),
      deliveryKey: (delivery) => delivery.headers['x-github-delivery'] ?? null,
    },
    gitlab: {
      source: 'gitlab',
      keptHeaders: ['x-gitlab-event', 'x-gitlab-event-uuid', 'idempotency-key'],
      authenticate(delivery, { stored }) {
        if (!stored) {
          const failed = checkToken(
            delivery.headers['x-gitlab-token'],
            secrets.gitlabWebhookToken,
            'X-Gitlab-Token',
            'TUNDRA_GITLAB_WEBHOOK_TOKEN',
          );
          if (failed) return failed;
        }
        if (!delivery.headers['x-gitlab-event'])
          return reject(400, RejectReason.MissingHeader, 'missing X-Gitlab-Event header');
        return null;
      },
      normalise: (body, delivery) =>
        normaliseGitlab(delivery.headers['x-gitlab-event'] ?? '', body, delivery.receivedAt),
      // GitLab keeps the event UUID across its own retries; newer versions also send an Idempotency-Key.
      deliveryKey: (delivery) =>
        delivery.headers['x-gitlab-event-uuid'] ?? delivery.headers['idempotency-key'] ?? null,
    },
    ci: {
      source: 'ci',
      keptHeaders: ['x-tundra-delivery'],
      authenticate(delivery, { stored }) {
        if (stored) return null;
        return checkToken(
          bearerToken(delivery.headers.authorization),
          secrets.ciToken,
          'Authorization',
          'TUNDRA_CI_TOKEN',
        );
      },
      normalise: (body, delivery) => normaliseCiCallback(body, delivery.receivedAt),
      deliveryKey: (delivery) => delivery.headers['x-tundra-delivery'] ?? null,
    },
  };
}
