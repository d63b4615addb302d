export type { Fault } from './http/faults.js';
export type { DemoSeed, SeededStatus, SeededUser, SeedOptions } from './operations/seed.js';
export {
  SandboxRequestError,
  startTaigaSandbox,
  type TaigaSandbox,
  type TaigaSandboxActor,
  type TaigaSandboxOptions,
} from './sandbox.js';
export type { DeliveryRecord } from './webhooks/dispatcher.js';
export { pythonJsonDumps } from './webhooks/python-json.js';
