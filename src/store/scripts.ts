import type { RedisClient } from '../lib/redis.js';
import { luaKeySchema } from './key-schema.js';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';

const LUA_DIR = new URL('./lua/', import.meta.url);

/** Script names as files: `<name>-<number of keys>.lua` in ./lua. */
const SCRIPT_FILES = {
  ingestEvents: 'ingest-events-1.lua',
  fetchHead: 'fetch-head-3.lua',
  settleHeads: 'settle-heads-1.lua',
  yieldDrain: 'yield-drain-1.lua',
  takeOverDrain: 'take-over-drain-1.lua',
  pushWindow: 'push-window-1.lua',
  skipHead: 'skip-head-3.lua',
  requeueEvents: 'requeue-events-3.lua',
  setSchoolStatus: 'set-school-status-3.lua',
  createSchool: 'create-school-2.lua',
  settleSummary: 'settle-summary-2.lua',
  rateLimit: 'rate-limit-1.lua',
  claimUser: 'claim-user-1.lua',
  roomLoad: 'room-load-4.lua',
  roomCommit: 'room-commit-8.lua',
  roomDestroy: 'room-destroy-7.lua',
  roomRelayRelease: 'room-relay-release-2.lua',
  fencedRenew: 'fenced-renew-1.lua',
  fencedTrim: 'fenced-trim-2.lua',
  roomIndexSwap: 'room-index-swap-1.lua',
  roomBoard: 'room-board-1.lua',
  hmgetMany: 'hmget-many-0.lua',
  closeClass: 'close-class-1.lua',
  markSchoolDeleting: 'mark-school-deleting-2.lua',
  finishSchoolDelete: 'finish-school-delete-2.lua',
} as const;

export type ScriptName = keyof typeof SCRIPT_FILES;

interface LoadedScript {
  lua: string;
  sha: string;
  numberOfKeys: number;
}

/**
 * Reads a script and splices in its `--- @include "name"` lines (from ./lua/includes, or the key
 * schema generated from key-schema.ts).
 */
function loadScript(file: string): LoadedScript {
  const source = readFileSync(new URL(file, LUA_DIR), 'utf8');
  const lua = source.replace(/^--- @include "([a-z0-9-]+)"$/gm, (_line, name: string) =>
    // The key schema is generated from key-schema.ts; the other includes are files.
    name === 'key-schema' ? luaKeySchema() : readFileSync(new URL(`includes/${name}.lua`, LUA_DIR), 'utf8'),
  );
  const keys = /-(\d+)\.lua$/.exec(file);
  if (!keys) throw new Error(`script file ${file} does not name its key count`);
  return { lua, sha: createHash('sha1').update(lua).digest('hex'), numberOfKeys: Number(keys[1]) };
}

const loaded = new Map<ScriptName, LoadedScript>();
function script(name: ScriptName): LoadedScript {
  let found = loaded.get(name);
  if (!found) {
    found = loadScript(SCRIPT_FILES[name]);
    loaded.set(name, found);
  }
  return found;
}

/** Runs a Lua script by its SHA, loading it into Redis on first use (NOSCRIPT). */
export async function runScript(redis: RedisClient, name: ScriptName, keys: string[], args: (string | number | Buffer)[]): Promise<unknown> {
  const s = script(name);
  if (keys.length !== s.numberOfKeys && s.numberOfKeys !== 0) {
    throw new Error(`script ${name} takes ${s.numberOfKeys} keys, got ${keys.length}`);
  }
  try {
    return await redis.evalsha(s.sha, keys.length, ...keys, ...args);
  } catch (error) {
    if (error instanceof Error && error.message.startsWith('NOSCRIPT')) {
      return redis.eval(s.lua, keys.length, ...keys, ...args);
    }
    throw error;
  }
}
