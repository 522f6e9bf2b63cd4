import type { RemsIngestConfig } from '../config.js';
import type { TransceiverRepository } from '../transceivers/transceiver.repository.js';
import { DeviceDirectory } from './device-directory.js';

type View = Awaited<ReturnType<TransceiverRepository['ingestView']>>;

function directory(rows: View, ttlMs = 60_000) {
  const calls: string[][] = [];
  let fail = false;
  const repo = {
    async ingestView(ids: string[]) {
      calls.push(ids);
      if (fail) throw new Error('pool timeout');
      return rows.filter((r) => ids.includes(r.transceiverId));
    },
  } as unknown as TransceiverRepository;
  const dir = new DeviceDirectory(repo, { REMS_DEVICE_CACHE_MS: ttlMs } as RemsIngestConfig);
  return { dir, calls, failNext: (value: boolean) => (fail = value) };
}

const rows: View = [
  { transceiverId: 'A', tenantAlias: 't', status: 'ACTIVE', modules: [{ port: 0, moduleType: 'SOLAR_PV_SINGLE' }, { port: 1, moduleType: 'UNKNOWN' }] },
  { transceiverId: 'B', tenantAlias: 't', status: 'INACTIVE', modules: [] },
];

describe('DeviceDirectory', () => {
  it('loads the devices asked for in one turn with one query, and caches them', async () => {
    const { dir, calls } = directory(rows);
    const [a, b, missing, again] = await Promise.all([dir.get('A'), dir.get('B'), dir.get('C'), dir.get('A')]);
    expect(calls).toEqual([['A', 'B', 'C']]);
    expect(a).toEqual({ transceiverId: 'A', tenantAlias: 't', status: 'ACTIVE', layoutByPort: new Map([[0, '01/01']]) });
    expect(again).toBe(a);
    expect(b?.status).toBe('INACTIVE');
    expect(missing).toBeUndefined();
    await dir.get('A');
    expect(calls).toHaveLength(1);
  });

  it('reloads after invalidate, and never caches a failed lookup', async () => {
    const { dir, calls, failNext } = directory(rows);
    await dir.get('A');
    dir.invalidate('A');
    await dir.get('A');
    expect(calls).toEqual([['A'], ['A']]);
    failNext(true);
    await expect(dir.get('B')).rejects.toThrow('pool timeout');
    failNext(false);
    expect((await dir.get('B'))?.status).toBe('INACTIVE');
  });

  it('answers from the cache without a promise once loaded, until it expires or is invalidated', async () => {
    const { dir } = directory(rows, 1000);
    expect(dir.cached('A')).toBeUndefined(); // never asked
    const pending = dir.get('A');
    expect(dir.cached('A')).toBeUndefined(); // still loading
    const a = await pending;
    expect(dir.cached('A')).toBe(a);
    await dir.get('C');
    expect(dir.cached('C')).toBeNull(); // known not to exist
    dir.invalidate('A');
    expect(dir.cached('A')).toBeUndefined();
    const realNow = Date.now;
    await dir.get('A');
    try {
      Date.now = () => realNow() + 1001;
      expect(dir.cached('A')).toBeUndefined();
    } finally {
      Date.now = realNow;
    }
  });
});
