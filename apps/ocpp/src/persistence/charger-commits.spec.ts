import type { CommittedOutboxEvent, OutboxFastPath } from '@cpo/messaging';
import type { DataSource } from 'typeorm';
import { ChargerCommits, type CommitPart } from './charger-commits.js';
import { PreparedStatements } from './prepared.js';

interface Sent {
  name?: string;
  text: string;
  values: unknown[];
}

/** A DataSource whose pg pool records each query; the first one waits for `gate` when given. */
function fakeDb(gate?: Promise<void>, rows: (config: Sent) => unknown[] = () => []): { db: DataSource; sent: Sent[] } {
  const sent: Sent[] = [];
  const master = {
    query: async (config: Sent) => {
      sent.push(config);
      if (sent.length === 1 && gate) await gate;
      return { rows: rows(config) };
    },
  };
  return { db: { driver: { master } } as unknown as DataSource, sent };
}

const event = (id: string): CommittedOutboxEvent => ({ id, subject: 'ocpp.meter.sampled', schema_version: 1, payload: {}, correlation_id: null, source: 'ocpp', occurred_at: '2026-12-04T00:00:00.000Z' });

const part = (key: string, outbox: boolean): CommitPart<string> => ({
  key,
  build: (items, first) => ({
    ctes: `${key}_ins AS (INSERT INTO t SELECT $${first}::text)${outbox ? `, ${key}_out AS (INSERT INTO outbox SELECT $${first + 1}::text RETURNING id)` : ''}`,
    params: outbox ? [items.join(','), `${key}-events`] : [items.join(',')],
    outbox: outbox ? [`${key}_out`] : [],
    events: outbox ? items.map((i) => event(`${key}-${i}`)) : [],
  }),
});

/** A fast path that records what it was handed. */
function fakeFastPath(enabled: boolean): { fastPath: OutboxFastPath; published: CommittedOutboxEvent[][] } {
  const published: CommittedOutboxEvent[][] = [];
  const fastPath = {
    enabled,
    publishAfterCommit: async (s: { events?: readonly CommittedOutboxEvent[] }) => void published.push([...(s.events ?? [])]),
  } as unknown as OutboxFastPath;
  return { fastPath, published };
}
const relayOnly = () => fakeFastPath(false).fastPath;

describe('ChargerCommits', () => {
  it('writes the kinds of message that arrived during a commit in one statement, parts in key order, one NOTIFY for all their events', async () => {
    let release!: () => void;
    const { db, sent } = fakeDb(new Promise<void>((r) => (release = r)));
    const commits = new ChargerCommits(db, relayOnly());
    const meters = part('meter', true);
    const statuses = part('status', true);
    const first = commits.submit(meters, 'm1');
    const rest = [commits.submit(statuses, 's1'), commits.submit(meters, 'm2'), commits.submit(meters, 'm3')];
    release();
    await Promise.all([first, ...rest]);
    expect(sent).toHaveLength(2);
    const second = sent[1]!;
    expect(second.text).toMatch(/^WITH meter_ins AS \(INSERT INTO t SELECT \$1::text\), meter_out AS .*\$2::text.*,\nstatus_ins AS \(INSERT INTO t SELECT \$3::text\), status_out AS .*\$4::text/s);
    expect(second.text).toContain(`SELECT pg_notify('cpo_outbox', '') FROM (SELECT (SELECT count(*) FROM meter_out) + (SELECT count(*) FROM status_out) AS n) c WHERE c.n > 0`);
    expect(second.values).toEqual(['m2,m3', 'meter-events', 's1', 'status-events']);
    // Prepared: a name derived from the text, the same for the same set of parts.
    expect(second.name).toMatch(/^ocpp_[0-9a-f]{20}$/);
    expect(sent[0]!.name).not.toBe(second.name);
  });

  it('sends no NOTIFY when no part wrote an event', async () => {
    const { db, sent } = fakeDb();
    await new ChargerCommits(db, relayOnly()).submit(part('meter', false), 'm1');
    expect(sent[0]!.text).toBe('WITH meter_ins AS (INSERT INTO t SELECT $1::text) SELECT 1');
  });
});

describe('ChargerCommits with the outbox fast path', () => {
  it('selects the ids the outbox CTEs stored instead of notifying, and hands exactly those events to the fast path after the statement resolved', async () => {
    // The database "stored" m1 and s2 only (as when a status is stale and its event is dropped).
    const { db, sent } = fakeDb(undefined, () => [{ id: 'meter-m1' }, { id: 'status-s2' }]);
    const { fastPath, published } = fakeFastPath(true);
    const commits = new ChargerCommits(db, fastPath);
    await Promise.all([commits.submit(part('meter', true), 'm1'), commits.submit(part('status', true), 's1'), commits.submit(part('status', true), 's2')]);
    const texts = sent.map((s) => s.text).join('\n');
    expect(texts).not.toContain('pg_notify');
    expect(texts).toContain('SELECT id FROM meter_out');
    expect(published.flat().map((e) => e.id).sort()).toEqual(['meter-m1', 'status-s2']);
  });

  it('publishes nothing when the statement fails', async () => {
    const { fastPath, published } = fakeFastPath(true);
    const master = { query: async () => Promise.reject(new Error('boom')) };
    const commits = new ChargerCommits({ driver: { master } } as unknown as DataSource, fastPath);
    await expect(commits.submit(part('meter', true), 'm1')).rejects.toThrow('boom');
    expect(published).toEqual([]);
  });
});

describe('PreparedStatements', () => {
  it('names a text once and reuses the name, and stops naming new texts past its cap', async () => {
    const { db, sent } = fakeDb();
    const prepared = new PreparedStatements(db);
    await prepared.query('SELECT 1', []);
    await prepared.query(['SELECT', '1'].join(' '), []);
    await prepared.query('SELECT 2', []);
    expect(sent[0]!.name).toBeDefined();
    expect(sent[1]!.name).toBe(sent[0]!.name);
    expect(sent[2]!.name).not.toBe(sent[0]!.name);
    for (let i = 0; i < 100; i++) await prepared.query(`SELECT ${i + 10}`, []);
    expect(prepared.size).toBe(64);
    expect(sent[sent.length - 1]!.name).toBeUndefined();
  });
});
