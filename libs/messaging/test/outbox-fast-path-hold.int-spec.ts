import { Headers, sampleEvents, Subjects } from '@cpo/contracts';
import { eventually } from '@cpo/testing';
import { storedPackedEvents, type PackedRef } from '../src/outbox/outbox.packed.js';
import type { OutboxStatement } from '../src/outbox/outbox.writer.js';
import { BusFixture } from './fixture.js';

const subject = Subjects.OcppConnectorStatus;
const payload = sampleEvents[subject];

/**
 * How long the fast path holds later commits after it left events to the relay (see FastPathHandoff),
 * and that the relay lets it go on only once nothing committed before is still unpublished.
 */
describe('outbox fast path holding for the relay (real PostgreSQL + JetStream)', () => {
  const bus = new BusFixture();
  beforeAll(() => bus.setUp());
  afterAll(() => bus.tearDown());

  async function commitPacked(count: number): Promise<{ s: OutboxStatement; ref: PackedRef | undefined }> {
    const s = bus.writer.statement(Array.from({ length: count }, () => ({ subject, payload })), 1, { packed: true, notify: false });
    const rows: PackedRef[] = await bus.dataSource.query(`WITH ${s.cte} SELECT seq::text AS seq, keep FROM ${s.name}`, s.params);
    return { s, ref: rows[0] };
  }

  async function streamOrder(fromSeq: number): Promise<string[]> {
    const last = (await bus.jsm.streams.info(bus.names.stream('OCPP'))).state.last_seq;
    const ids: string[] = [];
    for (let seq = fromSeq; seq <= last; seq++) ids.push((await bus.jsm.streams.getMessage(bus.names.stream('OCPP'), { seq }))!.header.get(Headers.EventId));
    return ids;
  }

  const nextSeq = async () => (await bus.jsm.streams.info(bus.names.stream('OCPP'))).state.last_seq + 1;
  const unsent = async () =>
    (await bus.dataSource.query(`SELECT count(*)::int AS n FROM outbox_events WHERE published_at IS NULL`))[0].n as number;

  it('the relay catches up without sleeping between passes while the fast path holds, however few events a pass publishes', async () => {
    const f = bus.fastPath({ maxInFlight: 1, deletePublished: true });
    const first = await nextSeq();
    // 12 packed rows of 2 events: each over the cap, so left to the relay; a pass takes 5 rows (10 events < batchSize).
    const packed: string[] = [];
    for (let i = 0; i < 12; i++) {
      const { s, ref } = await commitPacked(2);
      await f.publishAfterCommit({ events: storedPackedEvents(s.candidates, ref) });
      packed.push(...s.ids);
    }
    // Packed like the rest: the relay drains `outbox` before `outbox_batch`, so it orders no events across the two tables.
    const { s: later, ref } = await commitPacked(1);
    await f.publishAfterCommit({ events: storedPackedEvents(later.candidates, ref) });
    expect(f.holding).toBe(true);

    const relay = bus.relay({ fastPathGraceMs: 300, pollIntervalMs: 20_000, retentionHours: 0, fastPath: f });
    await relay.start();
    try {
      // With a sleep of the poll interval after each 5-row pass, this took 40 s (and held every later commit as long).
      expect(await eventually(() => !f.holding, 5000)).toBe(true);
      expect(await eventually(async () => (await unsent()) === 0)).toBe(true);
    } finally {
      await relay.stop();
    }
    const mine = new Set([...packed, ...later.ids]);
    expect((await streamOrder(first)).filter((id) => mine.has(id))).toEqual([...packed, ...later.ids]);
  }, 30_000);
});
