import { Headers, sampleEvents, Subjects } from '@cpo/contracts';
import { eventually } from '@cpo/testing';
import type { NatsConnection } from '@nats-io/transport-node';
import type { OutboxStatement } from '../src/outbox/outbox.writer.js';
import { BusFixture } from './fixture.js';

const subject = Subjects.OcppConnectorStatus;
const payload = sampleEvents[subject];

/**
 * Consumers act on the order of one connector's statuses and of a transaction's start and stop. The
 * fast path must therefore not publish a commit's events ahead of older ones it left to the relay
 * (its publish failed, or its in-flight cap was reached): until the relay has caught up, it defers.
 */
describe('outbox fast path keeps the commit order after it left events to the relay (real PostgreSQL + JetStream)', () => {
  const bus = new BusFixture();
  beforeAll(() => bus.setUp());
  afterAll(() => bus.tearDown());

  async function commit(): Promise<OutboxStatement> {
    const s = bus.writer.statement([{ subject, payload }], 1);
    await bus.dataSource.query(`WITH ${s.cte} ${s.notify}`, s.params);
    return s;
  }

  /** Event ids of the stream's messages from `fromSeq` on, in stream order. */
  async function streamOrder(fromSeq: number): Promise<string[]> {
    const last = (await bus.jsm.streams.info(bus.names.stream('OCPP'))).state.last_seq;
    const ids: string[] = [];
    for (let seq = fromSeq; seq <= last; seq++) {
      const m = await bus.jsm.streams.getMessage(bus.names.stream('OCPP'), { seq });
      ids.push(m!.header.get(Headers.EventId));
    }
    return ids;
  }

  async function unsent(): Promise<number> {
    const [{ n }] = await bus.dataSource.query(`SELECT count(*)::int AS n FROM outbox WHERE published_at IS NULL`);
    return n;
  }

  it('a failed publish (NATS unreachable) makes later commits wait for the relay, which publishes all in commit order; then the fast path resumes', async () => {
    let down = true;
    // The client refusing to publish while NATS is unreachable (a closed or stale connection).
    const flaky = new Proxy(bus.nc, {
      get(target, key) {
        if (key === 'publish')
          return (...args: Parameters<NatsConnection['publish']>) => {
            if (down) throw new Error('CONNECTION_CLOSED');
            return target.publish(...args);
          };
        const v = Reflect.get(target, key) as unknown;
        return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
      },
    });
    const f = bus.fastPath({ nc: flaky });
    const first = (await bus.jsm.streams.info(bus.names.stream('OCPP'))).state.last_seq + 1;

    const older = await commit();
    await f.publishAfterCommit(older);
    down = false;
    const newer = await commit();
    await f.publishAfterCommit(newer);

    const relay = bus.relay({ fastPathGraceMs: 300, pollIntervalMs: 50, fastPath: f });
    await relay.start();
    expect(await eventually(async () => (await unsent()) === 0)).toBe(true);
    expect(await streamOrder(first)).toEqual([older.ids[0], newer.ids[0]]);

    // Caught up: the fast path publishes at once again, not leaving the next commit to the relay.
    await relay.stop();
    const next = await commit();
    await f.publishAfterCommit(next);
    expect(await streamOrder(first)).toEqual([older.ids[0], newer.ids[0], next.ids[0]]);
  });

  it('when more commits wait than it may hold, the relay takes them all, still in commit order', async () => {
    const f = bus.fastPath({ maxInFlight: 2 });
    const first = (await bus.jsm.streams.info(bus.names.stream('OCPP'))).state.last_seq + 1;
    const over = bus.writer.statement([{ subject, payload }, { subject, payload }, { subject, payload }], 1);
    await bus.dataSource.query(`WITH ${over.cte} ${over.notify}`, over.params);
    await f.publishAfterCommit(over); // over the cap: the relay's, and later commits wait for it
    const waiting: OutboxStatement[] = [];
    for (let i = 0; i < 3; i++) {
      const s = await commit();
      await f.publishAfterCommit(s); // the third is one too many to hold
      waiting.push(s);
    }
    expect(f.holding).toBe(true);
    const relay = bus.relay({ fastPathGraceMs: 300, pollIntervalMs: 50, fastPath: f });
    await relay.start();
    expect(await eventually(async () => (await unsent()) === 0 && !f.holding)).toBe(true);
    await relay.stop();
    expect(await streamOrder(first)).toEqual([...over.ids, ...waiting.map((s) => s.ids[0])]);
  });

  it('events beyond the in-flight cap are not overtaken by the next commit', async () => {
    const f = bus.fastPath({ maxInFlight: 1 });
    const first = (await bus.jsm.streams.info(bus.names.stream('OCPP'))).state.last_seq + 1;
    const big = bus.writer.statement([{ subject, payload }, { subject, payload }], 1);
    await bus.dataSource.query(`WITH ${big.cte} ${big.notify}`, big.params);
    await f.publishAfterCommit(big); // over the cap: left to the relay
    const small = await commit();
    await f.publishAfterCommit(small);

    const relay = bus.relay({ fastPathGraceMs: 300, pollIntervalMs: 50, fastPath: f });
    await relay.start();
    expect(await eventually(async () => (await unsent()) === 0)).toBe(true);
    await relay.stop();
    expect(await streamOrder(first)).toEqual([...big.ids, small.ids[0]]);
  });
});
