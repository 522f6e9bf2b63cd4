import { Writable } from 'node:stream';
import { sampleEvents, Streams, Subjects } from '@cpo/contracts';
import { createRootLogger, currentCorrelationId, runWithCorrelation } from '@cpo/platform';
import { eventually } from '@cpo/testing';
import { BusFixture } from './fixture.js';

describe('correlation ids across the bus', () => {
  const bus = new BusFixture();
  beforeAll(() => bus.setUp());
  afterAll(() => bus.tearDown());

  it('carries the producer’s correlation id through the outbox into the consumer’s context', async () => {
    await runWithCorrelation('corr-charger-42', () =>
      bus.dataSource.transaction((tx) => bus.writer.enqueue(tx, Subjects.OcppStationBooted, sampleEvents[Subjects.OcppStationBooted])),
    );
    const relay = bus.relay();
    await relay.start();
    const seen: { header?: string; context?: string }[] = [];
    const consumer = bus.consumer({
      durable: 'correlated',
      stream: Streams.OCPP,
      filterSubject: Subjects.OcppStationBooted,
      handler: async (event) => {
        seen.push({ header: event.correlationId, context: currentCorrelationId() });
      },
    });
    await consumer.start();
    expect(await eventually(() => seen.length === 1)).toBe(true);
    expect(seen[0]).toEqual({ header: 'corr-charger-42', context: 'corr-charger-42' });
  });

  it('writes the correlation id into every JSON log line made in that context', () => {
    const lines: string[] = [];
    const sink = new Writable({ write: (chunk, _e, cb) => (lines.push(String(chunk)), cb()) });
    const logger = createRootLogger({ service: 'planner', level: 'info' }, sink);
    runWithCorrelation('corr-log-1', () => logger.info({ groupId: 'G1' }, 'plan computed'));
    logger.info('outside');
    const [inside, outside] = lines.map((l) => JSON.parse(l));
    expect(inside).toMatchObject({ level: 'info', service: 'planner', correlationId: 'corr-log-1', groupId: 'G1', msg: 'plan computed' });
    expect(outside.correlationId).toBeUndefined();
  });
});
