import type { Project } from '@tundra/core';
import { z } from 'zod';
import { principalName } from '../auth/principal.js';
import { ApiError, ApiErrorCode } from '../errors.js';
import { type AnyRoute, defineRoute } from '../http/route.js';
import { ErrorBody, ProjectParams } from '../http/schemas.js';
import { WebhookCheck, WebhookRegistration } from '../http/webhook-schemas.js';
import type { ApiServices } from '../services.js';
import type { TaigaWebhooks } from '../taiga/ports.js';
import { visibleProject } from './access.js';

/** Runs a Taiga call for a project; Taiga failing answers 502 with what it said. */
async function askTaiga<T>(services: ApiServices, project: Project, what: string, work: () => Promise<T>) {
  try {
    return await work();
  } catch (error) {
    if (error instanceof ApiError) throw error;
    services.logger.warn({ err: error, projectId: project.id }, `Taiga webhook ${what} failed`);
    throw new ApiError(
      ApiErrorCode.TaigaUnavailable,
      `could not ${what} project ${project.id}'s webhook in Taiga: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
}

/** `PUT /projects/{id}/taiga-webhook` and `POST /projects/{id}/taiga-webhook/check`. */
export function taigaWebhookRoutes(services: ApiServices, webhooks: TaigaWebhooks): AnyRoute[] {
  const taigaDown = { description: 'Taiga could not be asked', schema: ErrorBody };
  return [
    defineRoute({
      method: 'put',
      path: '/projects/:id/taiga-webhook',
      tag: 'projects',
      summary:
        "Create or fix the project's webhook in Taiga (URL from TUNDRA_INGESTER_PUBLIC_URL, key from its " +
        'webhookSecretRef), or say what a person does when the bot may not',
      params: ProjectParams,
      adminOnly: true,
      responses: {
        200: {
          description: 'What was done, or the steps for a person',
          schema: z.object({ webhook: WebhookRegistration }),
        },
        502: taigaDown,
      },
      async handler({ params, principal }) {
        const project = await visibleProject(services, principal, params.id);
        const webhook = await askTaiga(services, project, 'register', () => webhooks.register(project));
        services.logger.info(
          { projectId: project.id, state: webhook.state, by: principalName(principal) },
          'Taiga webhook registered',
        );
        return { status: 200, body: { webhook } };
      },
    }),
    defineRoute({
      method: 'post',
      path: '/projects/:id/taiga-webhook/check',
      tag: 'projects',
      summary:
        "Ask Taiga for a test delivery of the project's webhook now; answer what the ingester said and the last deliveries",
      params: ProjectParams,
      responses: {
        200: { description: 'The test and the last deliveries', schema: WebhookCheck },
        502: taigaDown,
      },
      async handler({ params, principal }) {
        const project = await visibleProject(services, principal, params.id);
        return {
          status: 200,
          body: await askTaiga(services, project, 'check', () => webhooks.check(project)),
        };
      },
    }),
  ];
}
