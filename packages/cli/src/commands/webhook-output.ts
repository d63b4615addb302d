import type { WebhookOutcome } from '../apply.js';
import type { Output } from '../output.js';

/** The answer of `POST /projects/{id}/taiga-webhook/check` (see docs/api.md). */
export interface WebhookCheck {
  webhook: { id: number; name: string; url: string } | null;
  test: { status: number; durationSeconds: number; verified: boolean; verdict: string } | null;
  deliveries: {
    id: number;
    at: string;
    action: string | null;
    type: string | null;
    status: number;
    answer: string;
  }[];
  reason: string | null;
  steps: string[];
}

function printSteps(out: Output, steps: readonly string[]): void {
  steps.forEach((step, index) => {
    out.line(`  ${index + 1}. ${step}`);
  });
}

/** After `projects apply`: what a person must do about a webhook Tundra could not register. */
export function printWebhookWork(out: Output, projectId: string, webhook: WebhookOutcome): void {
  if (webhook.state === 'failed') {
    out.warn(`${projectId}: could not register the webhook in Taiga: ${webhook.reason}`);
    return;
  }
  if (webhook.state !== 'manual') return;
  out.line(`${projectId}: Tundra did not register the webhook: ${webhook.reason}. What a person does:`);
  printSteps(out, webhook.steps);
}

/** `projects check`: the webhook, the test delivery's verdict, the last deliveries. */
export function printWebhookCheck(out: Output, check: WebhookCheck): void {
  if (!check.webhook || !check.test) {
    out.line(`No test delivery: ${check.reason}`);
    if (check.steps.length > 0) {
      out.line('To add the webhook:');
      printSteps(out, check.steps);
    }
    return;
  }
  out.line(`Webhook ${check.webhook.id} '${check.webhook.name}' → ${check.webhook.url}`);
  const seconds = check.test.durationSeconds.toFixed(3);
  out.line(
    `Test delivery: HTTP ${check.test.status} in ${seconds} s: ${check.test.verified ? 'OK' : 'FAILED'}: ` +
      `${check.test.verdict}`,
  );
  out.line('');
  out.line('Last deliveries (newest first):');
  out.table(
    ['ID', 'SENT', 'EVENT', 'STATUS', 'ANSWER'],
    check.deliveries.map((delivery) => [
      String(delivery.id),
      delivery.at,
      [delivery.type, delivery.action].filter(Boolean).join('.') || '-',
      String(delivery.status),
      delivery.answer,
    ]),
  );
}
