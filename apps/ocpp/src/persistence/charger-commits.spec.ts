import { jest } from '@jest/globals';
import type { CommittedOutboxEvent, OutboxFastPath, OutboxStatement } from '@cpo/messaging';
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

/** An outbox statement as OutboxWriter.statement describes one (only what ChargerCommits reads). */
const statement = (name: string, packed: boolean, candidates: CommittedOutboxEvent[]) => ({ name, packed, candidates }) as unknown as OutboxStatement;

const part = (key: string, outbox: boolean, packed = false): CommitPart<string> => ({
  key,
  build: (items, first) => ({
    ctes: `${key}_ins AS (INSERT INTO t SELECT $${first}::text)${outbox ? `, ${key}_out AS (INSERT INTO outbox SELECT $${first + 1}::text RETURNING id)` : ''}`,
    params: outbox ? [items.join(','), `${key}-events`] : [items.join(',')],
    outbox: outbox ? [statement(`${key}_out`, packed, items.map((i) => event(`${key}-${i}`)))] : [],
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
  // Clock frozen: the batcher lets waiting items linger 5 ms for company, so a stall of the test
  // process between two submits (a loaded CI machine) started a commit with only the first of them.
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

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
  // Clock frozen: the batcher lets waiting items linger 5 ms for company, so a stall of the test
  // process between two submits (a loaded CI machine) started a commit with only the first of them.
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('selects the ids the outbox CTEs stored instead of notifying, and hands exactly those events to the fast path after the statement resolved', async () => {
    // The database "stored" m1 and s2 only (as when a status is stale and its event is dropped).
    const { db, sent } = fakeDb(undefined, () => [
      { cte: 'meter_out', ref: 'meter-m1', keep: null },
      { cte: 'status_out', ref: 'status-s2', keep: null },
    ]);
    const { fastPath, published } = fakeFastPath(true);
    const commits = new ChargerCommits(db, fastPath);
    await Promise.all([commits.submit(part('meter', true), 'm1'), commits.submit(part('status', true), 's1'), commits.submit(part('status', true), 's2')]);
    const texts = sent.map((s) => s.text).join('\n');
    expect(texts).not.toContain('pg_notify');
    expect(texts).toContain(`SELECT 'meter_out' AS cte, id::text AS ref, NULL::bigint[] AS keep FROM meter_out`);
    expect(published.flat().map((e) => e.id).sort()).toEqual(['meter-m1', 'status-s2']);
  });

  it('hands over the events a packed row kept, tagged with its seq, and none of a part that stored no row', async () => {
    // The first statement (m1 alone) stored no row; the second holds s1..s3 in one packed row that kept the 1st and 3rd.
    const { db, sent } = fakeDb(undefined, (q) => (q.text.includes('status_out') ? [{ cte: 'status_out', ref: '42', keep: ['1', '3'] }] : []));
    const { fastPath, published } = fakeFastPath(true);
    const commits = new ChargerCommits(db, fastPath);
    const statuses = part('status', true, true);
    await Promise.all([commits.submit(part('meter', true, true), 'm1'), ...['s1', 's2', 's3'].map((s) => commits.submit(statuses, s))]);
    expect(sent[1]!.text).toContain(`SELECT 'status_out' AS cte, seq::text AS ref, keep FROM status_out`);
    expect(published.flat().map((e) => [e.id, e.packedSeq])).toEqual([
      ['status-s1', '42'],
      ['status-s3', '42'],
    ]);
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
