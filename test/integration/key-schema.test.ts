/** TypeScript (Keys) and Lua (the generated `key-schema` include) name a school's keys alike. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RedisClient } from '../../src/lib/redis.js';
import { luaKeySchema, SCHOOL_KEY_SUFFIXES } from '../../src/store/key-schema.js';
import { Keys } from '../../src/store/keys.js';
import { testRedis } from '../helpers/harness.js';

describe('the key schema', () => {
  let redis: RedisClient;
  beforeAll(() => {
    redis = testRedis();
  });
  afterAll(() => redis.disconnect());

  it('gives Lua the same key names as Keys', async () => {
    const keys = new Keys('cbschema');
    const names = Object.keys(SCHOOL_KEY_SUFFIXES) as (keyof typeof SCHOOL_KEY_SUFFIXES)[];
    const lua = `${luaKeySchema()}\nlocal out = {}\nfor i, name in ipairs(ARGV) do out[i] = schoolTag('cbschema', 257) .. KEY[name] end\nreturn out`;
    const fromLua = (await redis.eval(lua, 0, ...names)) as string[];
    const fromTs: Record<keyof typeof SCHOOL_KEY_SUFFIXES, string> = {
      school: keys.school(257), outbox: keys.outbox(257), state: keys.state(257), eventPrefix: keys.eventPrefix(257),
      log: keys.schoolLog(257), perMinute: keys.deliveriesPerMinute(257), netDue: keys.netDue(257), pushWindow: keys.pushWindow(257),
    };
    expect(fromLua).toEqual(names.map((name) => fromTs[name]));
  });
});
