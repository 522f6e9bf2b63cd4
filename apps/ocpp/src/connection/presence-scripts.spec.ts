import type { Redis } from 'ioredis';
import type { OcppConfig } from '../config.js';
import { RedisKeys } from '../redis-keys.js';
import * as scripts from './presence-scripts.js';
import { PresenceStore } from './presence-store.js';
import type { StationSession } from './station-session.js';

/** Redis Cluster's slot of a key: CRC16/XMODEM of its hash tag (of the whole key without one), mod 16384. */
function keySlot(key: string): number {
  const bytes = Buffer.from(key);
  let [start, end] = [0, bytes.length];
  const open = bytes.indexOf(0x7b);
  const close = open >= 0 ? bytes.indexOf(0x7d, open + 1) : -1;
  // An empty tag (`{}`) does not count: the whole key is hashed then.
  if (close > open + 1) [start, end] = [open + 1, close];
  let crc = 0;
  for (let i = start; i < end; i++) {
    crc ^= bytes[i]! << 8;
    for (let bit = 0; bit < 8; bit++) crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
  }
  return crc % 16384;
}

/** Commands that take no key: anything else must name its key as KEYS[n], or a cluster cannot route it. */
const KEYLESS = new Set(['TIME']);

function callsOf(script: string): { command: string; key?: string }[] {
  return [...script.matchAll(/redis\.p?call\(\s*([^,)]+)\s*(?:,\s*([^,)]+))?/g)].map((m) => ({ command: m[1]!.trim(), key: m[2]?.trim() }));
}

const LUA_SCRIPTS = (Object.entries(scripts) as [string, unknown][]).filter((e): e is [string, string] => typeof e[1] === 'string');

/** Runs every PresenceStore operation that evaluates a script, recording the KEYS of each call. */
async function evalCalls(prefix: string | undefined): Promise<{ script: string; keys: string[] }[]> {
  const calls: { script: string; keys: string[] }[] = [];
  const record = (script: string, numKeys: number, ...args: unknown[]): number => {
    calls.push({ script, keys: args.slice(0, numKeys).map(String) });
    return 0;
  };
  const pipeline = { eval: record, exec: async () => [] };
  const redis = { status: 'ready', eval: async (...a: Parameters<typeof record>) => record(...a), pipeline: () => pipeline } as unknown as Redis;
  const config = { NATS_SUBJECT_PREFIX: prefix, OCPP_REPLICA_ID: 'replica-a', OCPP_PRESENCE_TTL_S: 180 } as OcppConfig;
  const store = new PresenceStore(new RedisKeys(config), redis, config);
  const session = { stationId: 'CP-1', connectionId: 'c1', connectedAt: new Date(0) } as unknown as StationSession;
  await store.beat();
  await store.claimLostReplicas(20_000, 60);
  await store.renewClaim('replica-b');
  await store.write(session, 0);
  await store.remove(session);
  await store.removeIfUnchanged('CP-2', '{}');
  const other = { stationId: 'CP-3', connectionId: 'c3', connectedAt: new Date(0) } as unknown as StationSession;
  await store.refresh([{ session, lastSeen: 0 }, { session: other, lastSeen: 0 }]);
  return calls;
}

describe('presence scripts on a Redis Cluster', () => {
  it('computes key slots as Redis does', () => {
    expect(keySlot('123456789')).toBe(0x31c3);
    expect(keySlot('foo')).toBe(12182);
    expect(keySlot('{user1000}.following')).toBe(keySlot('{user1000}.followers'));
    // The examples of the cluster specification.
    expect(keySlot('foo{bar}{zap}')).toBe(keySlot('bar'));
    expect(keySlot('foo{{bar}}zap')).toBe(keySlot('{bar'));
    expect(keySlot('foo{}{bar}')).not.toBe(keySlot('bar'));
  });

  it.each(LUA_SCRIPTS)('%s touches only keys passed in KEYS', (_name, script) => {
    const calls = callsOf(script);
    expect(calls.length).toBeGreaterThan(0);
    for (const { command, key } of calls) {
      // A literal command name: one chosen at run time could not be checked here.
      expect(command).toMatch(/^'[A-Z]+'$/);
      if (!KEYLESS.has(command.slice(1, -1))) expect({ command, key }).toEqual({ command, key: expect.stringMatching(/^KEYS\[\d+\]$/) });
    }
  });

  it.each([undefined, 'cpo-prod', 'we{ird', 'we}ird', 'a{b}c'])('every call passes the keys its script uses, all in one slot (prefix %s)', async (prefix) => {
    const calls = await evalCalls(prefix);
    // Every script is exercised.
    expect(new Set(calls.map((c) => c.script))).toEqual(new Set(LUA_SCRIPTS.map(([, s]) => s)));
    for (const { script, keys } of calls) {
      const used = [...script.matchAll(/KEYS\[(\d+)\]/g)].map((m) => Number(m[1]));
      expect(keys.length).toBeGreaterThanOrEqual(Math.max(...used));
      expect(new Set(keys.map(keySlot)).size).toBe(1);
    }
  });

  it('keeps the presence records of different stations spread over the slots', () => {
    const keys = new RedisKeys({ NATS_SUBJECT_PREFIX: 'cpo-prod' } as OcppConfig);
    const slots = new Set(Array.from({ length: 200 }, (_, i) => keySlot(keys.presence(`CP-${i}`))));
    expect(slots.size).toBeGreaterThan(150);
  });
});
