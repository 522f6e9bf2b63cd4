import { randomUUID } from 'node:crypto';
import { sampleEvents, Subjects, type OcppMeterSampled } from '@cpo/contracts';
import type { PackedRef } from '../src/outbox/outbox.packed.js';
import { BusFixture } from './fixture.js';

const status = Subjects.OcppConnectorStatus;
const meter = Subjects.OcppMeterSampled;

/** A MeterValue of 20,000 sampled values as one event: ~1.3 MB, more than NATS's 1 MiB max_payload. */
const hugeReading: OcppMeterSampled = {
  stationId: 'CP-HUGE',
  connectorId: 1,
  transactionId: 7,
  timestamp: new Date().toISOString(),
  samples: Array.from({ length: 20_000 }, (_, i) => ({ measurand: 'Energy.Active.Import.Register', value: 1000 + i, unit: 'Wh', context: 'Sample.Periodic', location: 'Outlet' })),
};

describe('outbox events that cannot be published do not block the relay (real PostgreSQL + JetStream)', () => {
  const bus = new BusFixture();
  beforeAll(() => bus.setUp());
  afterAll(() => bus.tearDown());

  const batchRow = async (seq: string) =>
    (await bus.dataSource.query(`SELECT published_at, keep, attempts, last_error FROM outbox_batch WHERE seq = $1`, [seq]))[0] as
      | { published_at: Date | null; keep: string[] | null; attempts: number; last_error: string | null }
      | undefined;

  it('parks an event larger than max_payload: the rest of its packed row is published once, the row is kept for operators and not selected again', async () => {
    expect(JSON.stringify(hugeReading).length).toBeGreaterThan(bus.nc.info!.max_payload);
    const before = await bus.streamMessages('OCPP');
    const s = bus.writer.statement(
      [
        { subject: status, payload: sampleEvents[status] },
        { subject: meter, payload: hugeReading },
        { subject: status, payload: sampleEvents[status] },
      ],
      1,
      { packed: true, notify: false },
    );
    const [ref]: PackedRef[] = await bus.dataSource.query(`WITH ${s.cte} SELECT seq::text AS seq, keep FROM ${s.name}`, s.params);
    const relay = bus.relay({ fastPathGraceMs: 0, retentionHours: 0 });

    expect(await relay.drainOnce()).toEqual({ published: 2, failed: 0 });
    expect(await bus.streamMessages('OCPP')).toBe(before + 2);
    expect(await batchRow(ref.seq)).toEqual(
      expect.objectContaining({ published_at: null, keep: ['2'], attempts: 1, last_error: expect.stringMatching(/^parked: .*max_payload/) }),
    );
    const listed = await bus.dataSource.query(`SELECT id FROM outbox_events WHERE batch_seq = $1`, [ref.seq]);
    expect(listed).toEqual([{ id: s.ids[1] }]);
    expect(await bus.counter('bus_outbox_parked_total', { subject: meter })).toBe(1);

    // Later passes neither publish the row's other events again nor try the parked one.
    expect(await relay.drainOnce()).toEqual({ published: 0, failed: 0 });
    expect(await bus.streamMessages('OCPP')).toBe(before + 2);
    expect((await batchRow(ref.seq))?.attempts).toBe(1);
  });

  it('parks a too-large event of the `outbox` table the same way', async () => {
    const id = await bus.dataSource.transaction((tx) => bus.writer.enqueue(tx, meter, hugeReading));
    const relay = bus.relay();
    expect(await relay.drainOnce()).toEqual({ published: 0, failed: 0 });
    const [row] = await bus.dataSource.query(`SELECT published_at, attempts, last_error FROM outbox WHERE id = $1`, [id]);
    expect(row).toEqual({ published_at: null, attempts: 1, last_error: expect.stringMatching(/^parked: /) });
    expect(await relay.drainOnce()).toEqual({ published: 0, failed: 0 });
    expect(await bus.counter('bus_outbox_parked_total', { subject: meter })).toBe(2);
  });

  it('rows that keep failing do not starve the rows behind them (five refused packed rows, then a good one)', async () => {
    const before = await bus.streamMessages('OCPP');
    // Rows an older or buggy producer could leave: their subject has no stream, so JetStream refuses them (503).
    for (let i = 0; i < 5; i++) {
      const envelope = { id: randomUUID(), subject: 'nowhere.test', schema_version: 1, payload: {}, correlation_id: null, occurred_at: new Date().toISOString(), ord: 1 };
      await bus.dataSource.query(`INSERT INTO outbox_batch (events, source) VALUES ($1, 'test')`, [JSON.stringify([envelope])]);
    }
    const s = bus.writer.statement([{ subject: status, payload: sampleEvents[status] }], 1, { packed: true, notify: false });
    const [good]: PackedRef[] = await bus.dataSource.query(`WITH ${s.cte} SELECT seq::text AS seq, keep FROM ${s.name}`, s.params);
    // batchSize 500: five packed rows per pass, exactly the refused ones while they lead the table.
    const relay = bus.relay({ fastPathGraceMs: 0, retentionHours: 0, publishTimeoutMs: 2000 });

    const passes = [];
    for (let i = 0; i < 3 && (await batchRow(good.seq)) !== undefined; i++) passes.push(await relay.drainOnce());
    expect(await batchRow(good.seq)).toBeUndefined();
    expect(await bus.streamMessages('OCPP')).toBe(before + 1);
    expect(passes[0]).toEqual({ published: 0, failed: 5 });
    await bus.dataSource.query(`DELETE FROM outbox_batch WHERE events LIKE '%nowhere.test%'`);
  });
});
