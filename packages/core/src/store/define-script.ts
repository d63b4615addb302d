import { LuaScript } from './lua-script.js';
import type { RedisClient } from './redis-client.js';
import { coreLuaDir } from './script-loader.js';

/** A script argument: text, a number, or bytes sent as they are (a webhook's raw body). */
type Arg = string | number | Buffer;

/** How a script is called: its keys and arguments by name, in the order its header lists them. */
export interface ScriptSpec<K extends string, A extends string, R> {
  /** `<name>.lua` in `dir` (the core store's scripts by default). */
  readonly name: string;
  readonly dir?: string;
  /** KEYS in order; the `.lua` header names the same, `KEYS[i] name: …` (lua-headers.test.ts checks). */
  readonly keys: readonly K[];
  /** ARGV in order, as the header names them. */
  readonly args: readonly A[];
  /** Turns the raw reply into a typed result: the one place this script's reply is read. */
  decode(reply: unknown[]): R;
}

/** A script with named keys and arguments and a typed reply, run by EVALSHA. */
export interface DefinedScript<K extends string, A extends string, R> {
  readonly name: string;
  /** The directory that holds `<name>.lua`. */
  readonly dir: string;
  readonly keys: readonly K[];
  readonly args: readonly A[];
  run(redis: RedisClient, keys: Record<K, string>, args: Record<A, Arg>): Promise<R>;
}

/**
 * Defines a Lua script once: KEYS and ARGV are built from named fields in the order the spec lists them, never as
 * positional arrays assembled by hand, and the reply goes through the spec's decoder.
 */
export function defineScript<const K extends string, const A extends string, R>(
  spec: ScriptSpec<K, A, R>,
): DefinedScript<K, A, R> {
  const dir = spec.dir ?? coreLuaDir;
  const script = new LuaScript(spec.name, dir);
  return {
    name: spec.name,
    dir,
    keys: spec.keys,
    args: spec.args,
    async run(redis, keys, args) {
      const reply = await script.run(
        redis,
        spec.keys.map((name) => keys[name]),
        spec.args.map((name) => args[name]),
      );
      return spec.decode(reply);
    },
  };
}

/** A flat `[field, value, ...]` reply tail as a hash, the shape HGETALL answers. */
export function flatToHash(flat: readonly unknown[], from = 0): Record<string, string> {
  const hash: Record<string, string> = {};
  for (let i = from; i + 1 < flat.length; i += 2) hash[String(flat[i])] = String(flat[i + 1]);
  return hash;
}
