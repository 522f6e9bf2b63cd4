import { randomUUID } from 'node:crypto';
import { Headers, sampleEvents, Subjects } from '@cpo/contracts';
import { eventually } from '@cpo/testing';
import { storedPackedEvents, type PackedRef } from '../src/outbox/outbox.packed.js';
import type { OutboxStatement } from '../src/outbox/outbox.writer.js';
import { BusFixture } from './fixture.js';

const subject = Subjects.OcppConnectorStatus;
const payload = sampleEvents[subject];

describe('packed outbox rows: one row per statement, each event its own message (real PostgreSQL + JetStream)', () => {
  const bus = new BusFixture();
  beforeAll(() => bus.setUp());
  afterAll(() => bus.tearDown());

  const fastPath = (deletePublished: boolean) => bus.fastPath({ deletePublished });

  /** A packed statement committed on its own, as the ocpp group commit runs one; `keep`: positions it keeps. */
  async function commitPacked(count: number, keep?: number[]): Promise<{ s: OutboxStatement; ref: PackedRef | undefined }> {
    const keepOrdinals = keep ? `SELECT unnest('{${keep.join(',')}}'::bigint[])` : undefined;
    const s = bus.writer.statement(
      Array.from({ length: count }, () => ({ subject, payload })),
      1,
      { packed: true, keepOrdinals, notify: false },
    );
    const rows: PackedRef[] = await bus.dataSource.query(`WITH ${s.cte} SELECT seq::text AS seq, keep FROM ${s.name}`, s.params);
    return { s, ref: rows[0] };
  }

  const rowOf = async (seq: string) =>
    (await bus.dataSource.query(`SELECT published_at, attempts, last_error FROM outbox_batch WHERE seq = $1`, [seq]))[0] as
      | { published_at: Date | null; attempts: number; last_error: string | null }
      | undefined;

  it('stores the events as one row the fast path publishes one message each, with the relay\'s headers, then deletes', async () => {
    const before = await bus.streamMessages('OCPP');
    const { s, ref } = await commitPacked(3);
    expect(ref).toBeDefined();
    expect(s.events).toBeUndefined(); // only the statement's result says which row holds them
    const [{ singles }] = await bus.dataSource.query(`SELECT count(*)::int AS singles FROM outbox WHERE id = ANY($1::uuid[])`, [s.ids]);
    expect(singles).toBe(0);

    await fastPath(true).publishAfterCommit({ events: storedPackedEvents(s.candidates, ref) });
    expect(await bus.streamMessages('OCPP')).toBe(before + 3);
    const stored = await bus.jsm.streams.getMessage(bus.names.stream('OCPP'), { seq: before + 2 });
    expect(stored?.header.get('Nats-Msg-Id')).toBe(s.ids[1]);
    expect(stored?.header.get(Headers.EventId)).toBe(s.ids[1]);
    expect(stored?.header.get(Headers.OccurredAt)).toBe(s.candidates[1].occurred_at);
    expect(stored?.json()).toEqual(payload);
    expect(await eventually(async () => (await rowOf(ref!.seq)) === undefined)).toBe(true);
    expect(await bus.relay({ fastPathGraceMs: 0, retentionHours: 0 }).drainOnce()).toEqual({ published: 0, failed: 0 });
  });

  it('keeps only the events the statement kept (keepOrdinals), and writes no row when it kept none', async () => {
    const before = await bus.streamMessages('OCPP');
    const { s, ref } = await commitPacked(3, [1, 3]);
    expect(ref?.keep?.map(Number)).toEqual([1, 3]);
    const events = storedPackedEvents(s.candidates, ref);
    expect(events.map((e) => e.id)).toEqual([s.ids[0], s.ids[2]]);
    await fastPath(false).publishAfterCommit({ events });
    expect(await bus.streamMessages('OCPP')).toBe(before + 2);
    // Retention > 0: the row is marked, not deleted.
    expect(await eventually(async () => (await rowOf(ref!.seq))?.published_at instanceof Date)).toBe(true);

    const none = await commitPacked(2, []);
    expect(none.ref).toBeUndefined();
    expect(storedPackedEvents(none.s.candidates, none.ref)).toEqual([]);
  });

  it('the relay publishes a row the fast path never did, each kept event once, and deletes it with retention 0', async () => {
    const before = await bus.streamMessages('OCPP');
    const { s, ref } = await commitPacked(4, [2, 3, 4]);
    const relay = bus.relay({ fastPathGraceMs: 0, retentionHours: 0 });
    expect(await relay.drainOnce()).toEqual({ published: 3, failed: 0 });
    expect(await bus.streamMessages('OCPP')).toBe(before + 3);
    expect(await rowOf(ref!.seq)).toBeUndefined();
    const last = await bus.jsm.streams.getMessage(bus.names.stream('OCPP'), { seq: before + 3 });
    expect(last?.header.get('Nats-Msg-Id')).toBe(s.ids[3]);
    expect(last?.header.get(Headers.Source)).toBe('test');
    expect(last?.json()).toEqual(payload);
  });

  it('marks `outbox` rows and packed rows published together in one statement', async () => {
    const f = fastPath(true);
    const single = bus.writer.statement([{ subject, payload }], 1, { notify: false });
    await bus.dataSource.query(`WITH ${single.cte} SELECT 1`, single.params);
    const { s, ref } = await commitPacked(2);
    // Both acknowledged within the fast path's mark delay: one flush holds ids and seqs.
    await Promise.all([f.publishAfterCommit(single), f.publishAfterCommit({ events: storedPackedEvents(s.candidates, ref) })]);
    const singles = async () => (await bus.dataSource.query(`SELECT count(*)::int AS n FROM outbox WHERE id = ANY($1::uuid[])`, [single.ids]))[0].n as number;
    expect(await eventually(async () => (await singles()) === 0 && (await rowOf(ref!.seq)) === undefined)).toBe(true);
  });

  it('the fast path leaves a row to the relay when one of its events was not acknowledged', async () => {
    const before = await bus.streamMessages('OCPP');
    const { s, ref } = await commitPacked(2);
    const events = storedPackedEvents(s.candidates, ref);
    // The second publish fails (no stream takes this subject); the row itself holds a valid event.
    await fastPath(true).publishAfterCommit({ events: [events[0], { ...events[1], subject: 'nowhere.test' }] });
    expect(await bus.streamMessages('OCPP')).toBe(before + 1);
    await new Promise((r) => setTimeout(r, 100)); // past the fast path's mark delay
    expect(await rowOf(ref!.seq)).toEqual(expect.objectContaining({ published_at: null }));
    expect(await bus.relay({ fastPathGraceMs: 0, retentionHours: 0 }).drainOnce()).toEqual({ published: 2, failed: 0 });
    expect(await bus.streamMessages('OCPP')).toBe(before + 2); // the first event's copy was dropped
    expect(await rowOf(ref!.seq)).toBeUndefined();
  });

  it('marks a row only when all its events are on the stream: a failing one keeps the row, re-published copies are dropped', async () => {
    const before = await bus.streamMessages('OCPP');
    const good = randomUUID();
    // A row as an older or buggy producer could leave it: its second event's subject has no stream.
    const envelopes = [
      { id: good, subject, schema_version: 1, payload, correlation_id: null, occurred_at: new Date().toISOString(), ord: 1 },
      { id: randomUUID(), subject: 'nowhere.test', schema_version: 1, payload: {}, correlation_id: null, occurred_at: new Date().toISOString(), ord: 2 },
    ];
    const [{ seq }] = await bus.dataSource.query(`INSERT INTO outbox_batch (events, source) VALUES ($1, 'test') RETURNING seq::text AS seq`, [JSON.stringify(envelopes)]);
    const relay = bus.relay({ fastPathGraceMs: 0, retentionHours: 0, publishTimeoutMs: 1000 });
    expect(await relay.drainOnce()).toEqual({ published: 0, failed: 1 });
    // Refused for a reason of its own: held back for a while (RowBackoff), not selected by the very next pass.
    expect(await relay.drainOnce()).toEqual({ published: 0, failed: 0 });
    expect(await rowOf(seq)).toEqual(expect.objectContaining({ published_at: null, attempts: 1, last_error: expect.stringMatching(/no stream/) }));
    await new Promise((resolve) => setTimeout(resolve, 1100));
    expect(await relay.drainOnce()).toEqual({ published: 0, failed: 1 });
    expect(await rowOf(seq)).toEqual(expect.objectContaining({ attempts: 2, last_error: expect.stringMatching(/no stream/) }));
    expect(await bus.streamMessages('OCPP')).toBe(before + 1); // the good event, once
    await bus.dataSource.query(`DELETE FROM outbox_batch WHERE seq = $1`, [seq]);
  });
});
