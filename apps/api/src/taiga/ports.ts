import type { Project, StatusMappingConfig, TaigaItemRef, TriggerRule } from '@tundra/core';
import type { WebhookCheck, WebhookRegistration } from '../http/webhook-schemas.js';

/** One thing wrong with a project's Taiga settings, named precisely enough to fix. */
export interface TaigaProblem {
  /** e.g. `project_not_found`, `project_mismatch`, `bot_not_member`, `status_missing`, `trigger_status_missing`. */
  code: string;
  /** The spec field at fault, e.g. `taiga.projectSlug`, `statusMapping.task.running`. */
  field: string;
  message: string;
}

export interface ProjectCheckInput {
  id: string;
  taiga: { projectId?: number | undefined; projectSlug?: string | undefined };
  trigger: TriggerRule;
  statusMapping: StatusMappingConfig;
}

export type ProjectCheckResult =
  | { ok: true; taiga: { projectId: number; projectSlug: string } }
  | { ok: false; problems: TaigaProblem[] };

/**
 * Checks a project's settings against Taiga before they are saved: the project exists, the bot is a member, and
 * every status the mapping and the trigger rule name exists. Throws only when Taiga cannot be asked.
 */
export interface ProjectValidator {
  check(input: ProjectCheckInput): Promise<ProjectCheckResult>;
}

/** Finds a user story or task of the project by the ref people see on the board. */
export interface TaigaItemResolver {
  resolve(project: Project, ref: number): Promise<(TaigaItemRef & { subject: string }) | null>;
}

/** The ref of a Taiga task: the web front addresses tasks by ref, and a step records only its task's id. */
export interface TaigaTaskRefs {
  /** The task's ref, or null when Taiga has no such task. Throws when Taiga cannot be asked. */
  refOf(taskId: number): Promise<number | null>;
}

/** The project's webhook in Taiga: registered by `tundra projects apply`, tested by `tundra projects check`. */
export interface TaigaWebhooks {
  /** Creates the webhook, or fixes its URL and key, when the bot may; otherwise says what a person does. */
  register(project: Project): Promise<WebhookRegistration>;
  /** Asks Taiga for a test delivery now, and reads what the ingester answered and the webhook's last deliveries. */
  check(project: Project): Promise<WebhookCheck>;
}
