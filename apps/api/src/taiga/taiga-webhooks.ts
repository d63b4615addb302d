import { isWebhookKeyVariable, type Project } from '@tundra/core';
import { type TaigaClient, TaigaForbiddenError, TaigaValidationError } from '@tundra/taiga';
import type { WebhookCheck, WebhookRegistration } from '../http/webhook-schemas.js';
import type { TaigaWebhooks } from './ports.js';
import {
  describeDelivery,
  findTundraWebhook,
  manualWebhookSteps,
  planWebhook,
  readTestDelivery,
  tundraWebhookName,
  webhookUrlFor,
} from './webhook-plan.js';

type WebhookClient = Pick<
  TaigaClient,
  'me' | 'getProject' | 'listWebhooks' | 'createWebhook' | 'patchWebhook' | 'testWebhook' | 'listWebhookLogs'
>;

export interface TaigaWebhookSettings {
  /** Where Taiga's server reaches the ingester (TUNDRA_INGESTER_PUBLIC_URL); null when unset. */
  ingesterPublicUrl: string | null;
  /** A webhook key by the name of its variable (the API shares the ingester's TUNDRA_WEBHOOK_KEY_*). */
  webhookKey(ref: string): string | undefined;
}

/**
 * The project's webhook in Taiga, registered and checked through the bot's client. Taiga lets only project admins
 * see and change webhooks: when the bot is none, or something else keeps Tundra from doing it, the answer says what
 * a person does instead.
 */
export function createTaigaWebhooks(client: WebhookClient, settings: TaigaWebhookSettings): TaigaWebhooks {
  const urlOf = (project: Project) =>
    settings.ingesterPublicUrl === null ? null : webhookUrlFor(settings.ingesterPublicUrl, project.id);
  /** The project's key as the API sees it: only TUNDRA_WEBHOOK_KEY_* variables are keys (a project saved before the rule may name another). */
  const keyOf = (project: Project) => {
    const ref = project.taiga.webhookSecretRef;
    const key = isWebhookKeyVariable(ref) ? settings.webhookKey(ref) : undefined;
    return key === '' ? undefined : key;
  };
  /** The Taiga project, whether the bot may manage its webhooks, and the steps for a person. */
  const inspect = async (project: Project) => {
    const [taigaProject, bot] = await Promise.all([client.getProject(project.taiga.projectId), client.me()]);
    const botNotAdmin = taigaProject.i_am_admin ? null : bot.username;
    const steps = manualWebhookSteps({
      projectId: project.id,
      taigaProjectSlug: taigaProject.slug,
      url: urlOf(project),
      secretRef: project.taiga.webhookSecretRef,
      keySet: keyOf(project) !== undefined,
      botNotAdmin,
    });
    const refusal =
      botNotAdmin === null
        ? null
        : `the bot user '${botNotAdmin}' is not an admin of Taiga project '${taigaProject.slug}', and Taiga lets ` +
          'only project admins manage webhooks';
    return { taigaProject, refusal, steps };
  };

  return {
    async register(project) {
      const url = urlOf(project);
      const key = keyOf(project);
      const { taigaProject, refusal, steps } = await inspect(project);
      const manual = (reason: string): WebhookRegistration => ({
        state: 'manual',
        taigaWebhookId: null,
        name: tundraWebhookName,
        url,
        reason,
        steps,
      });
      if (url === null)
        return manual(
          'TUNDRA_INGESTER_PUBLIC_URL is not set on the API: Tundra does not know where Taiga reaches its ingester',
        );
      if (key === undefined)
        return manual(`${project.taiga.webhookSecretRef} is not set in the API's environment`);
      if (refusal) return manual(refusal);
      const plan = planWebhook(await client.listWebhooks(taigaProject.id), {
        projectId: project.id,
        url,
        key,
      });
      const done = (state: WebhookRegistration['state'], id: number): WebhookRegistration => ({
        state,
        taigaWebhookId: id,
        name: tundraWebhookName,
        url,
        reason: null,
        steps: [],
      });
      try {
        switch (plan.kind) {
          case 'unchanged':
            return done('unchanged', plan.id);
          case 'update':
            return done('updated', (await client.patchWebhook(plan.id, plan.patch)).id);
          case 'create':
            return done(
              'created',
              (await client.createWebhook({ project: taigaProject.id, name: tundraWebhookName, url, key }))
                .id,
            );
          default: {
            const unhandled: never = plan;
            throw new Error(`unhandled webhook plan ${JSON.stringify(unhandled)}`);
          }
        }
      } catch (error) {
        // Taiga refused it (e.g. `Not allowed IP Address` for a private address without WEBHOOKS_ALLOW_PRIVATE_ADDRESS).
        if (error instanceof TaigaValidationError || error instanceof TaigaForbiddenError)
          return manual(`Taiga refused the webhook: ${error.message}`);
        throw error;
      }
    },

    async check(project) {
      const { taigaProject, refusal, steps } = await inspect(project);
      const nothing = (reason: string): WebhookCheck => ({
        webhook: null,
        test: null,
        deliveries: [],
        reason,
        steps,
      });
      if (refusal) return nothing(`${refusal}: press Test in Taiga's webhook page instead`);
      const webhook = findTundraWebhook(
        await client.listWebhooks(taigaProject.id),
        urlOf(project),
        project.id,
      );
      if (!webhook) {
        return nothing(
          `Taiga project '${taigaProject.slug}' has no webhook to the ingester's /webhooks/taiga/${project.id}`,
        );
      }
      const log = await client.testWebhook(webhook.id);
      const deliveries = await client.listWebhookLogs(webhook.id);
      return {
        webhook: { id: webhook.id, name: webhook.name, url: webhook.url },
        test: {
          status: log.status,
          durationSeconds: log.duration,
          ...readTestDelivery(log, { id: project.id, secretRef: project.taiga.webhookSecretRef }),
        },
        deliveries: deliveries.map(describeDelivery),
        reason: null,
        steps: [],
      };
    },
  };
}
