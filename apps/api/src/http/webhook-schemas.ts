import { z } from 'zod';

/** What `PUT /projects/{id}/taiga-webhook` did about the project's webhook in Taiga. */
export const WebhookRegistration = z.object({
  state: z
    .enum(['created', 'updated', 'unchanged', 'manual'])
    .describe('manual: Tundra may not or cannot do it; `steps` says what a person does'),
  taigaWebhookId: z.number().int().nullable(),
  name: z.string(),
  url: z
    .string()
    .nullable()
    .describe('Where Taiga sends the webhooks; null when TUNDRA_INGESTER_PUBLIC_URL is unset'),
  reason: z.string().nullable().describe('Why a person must act'),
  steps: z.array(z.string()).describe('What that person does, in order'),
});
export type WebhookRegistration = z.infer<typeof WebhookRegistration>;

/** One delivery of the webhook as Taiga logged it (Taiga keeps the last 10). */
export const WebhookDelivery = z.object({
  id: z.number().int(),
  at: z.string(),
  action: z.string().nullable().describe('create, change, delete or test'),
  type: z.string().nullable().describe('userstory, task, test…'),
  status: z.number().int().describe("The ingester's HTTP status; 0 when Taiga could not reach it"),
  ok: z.boolean(),
  answer: z.string().describe("The ingester's answer (or Taiga's error), shortened"),
});
export type WebhookDelivery = z.infer<typeof WebhookDelivery>;

/** `POST /projects/{id}/taiga-webhook/check`: a test delivery asked of Taiga now, and the last deliveries. */
export const WebhookCheck = z.object({
  webhook: z.object({ id: z.number().int(), name: z.string(), url: z.string() }).nullable(),
  test: z
    .object({
      status: z.number().int(),
      durationSeconds: z.number(),
      verified: z.boolean().describe('The ingester got the test delivery and its signature matched'),
      verdict: z.string(),
      ingesterAnswer: z.unknown(),
    })
    .nullable(),
  deliveries: z.array(WebhookDelivery),
  reason: z.string().nullable().describe('Why there was no test (no webhook, or the bot may not see it)'),
  steps: z.array(z.string()),
});
export type WebhookCheck = z.infer<typeof WebhookCheck>;
