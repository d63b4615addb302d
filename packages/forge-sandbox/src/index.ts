export {
  type CreateRepositoryInput,
  type ForgeActor,
  type ForgeHandle,
  ForgeSandboxRefusal,
} from './forge-handle.js';
export type { Fault } from './http/faults.js';
export type { CiJobInput, LineComment } from './model/operations.js';
export type {
  AccessLevel,
  CiRunRecord,
  CommentRecord,
  ForgeKind,
  PullRecord,
  RepoRecord,
  ReviewRecord,
} from './model/types.js';
export { createForgeSandbox, type ForgeSandbox, type ForgeSandboxOptions } from './sandbox.js';
export type { DeliveryRecord } from './webhooks/dispatcher.js';
