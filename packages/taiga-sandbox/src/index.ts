export type { Fault } from './http/faults.js';
export { realTaigaLatency, type SandboxLatency } from './http/latency.js';
export {
  RawMarkupKind,
  type RawMarkupProblem,
  rawMarkupProblems,
} from './markdown/raw-markup.js';
export { type MarkdownContext, renderTaigaMarkdown } from './markdown/taiga-markdown.js';
export {
  type NewSandboxMember,
  type NewSandboxUser,
  SandboxControlError,
  type SandboxMember,
} from './operations/members.js';
export type { DemoSeed, SeededStatus, SeededUser, SeedOptions } from './operations/seed.js';
export type { HistorySeed, HistorySeedOptions } from './operations/seed-history.js';
export {
  SandboxRequestError,
  startTaigaSandbox,
  type TaigaSandbox,
  type TaigaSandboxActor,
  type TaigaSandboxOptions,
} from './sandbox.js';
export type { DeliveryRecord } from './webhooks/dispatcher.js';
export { pythonJsonDumps } from './webhooks/python-json.js';
