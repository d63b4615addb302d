import type { Logger } from 'pino';
import type { SerializeContext } from '../serializers/context.js';
import { renderProjectMarkdown } from '../state/markdown.js';
import type { SandboxStore } from '../state/store.js';
import type { TokenRegistry } from '../state/tokens.js';
import type { WebhookDispatcher } from '../webhooks/dispatcher.js';

/** Everything the sandbox's operations share: state, tokens, the webhook sender, a clock. */
export interface SandboxCore {
  store: SandboxStore;
  tokens: TokenRegistry;
  dispatcher: WebhookDispatcher;
  /** Base URL of permalinks in webhook bodies (known once the server listens). */
  frontUrl: () => string;
  logger: Logger;
  now: () => Date;
}

/** How Taiga renders the Markdown texts of a project (comments, descriptions, blocked notes, wiki pages). */
export function markdownOf(core: SandboxCore, projectId: number): (text: string) => string {
  return (text) => renderProjectMarkdown(core.store, core.frontUrl(), projectId, text);
}

export function serializeContext(core: SandboxCore, viewerId: number | null): SerializeContext {
  return { store: core.store, frontUrl: core.frontUrl(), viewerId };
}
