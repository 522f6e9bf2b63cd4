import { Subjects } from '@cpo/contracts';
import { EventPublisher } from '@cpo/messaging';
import { REDIS } from '@cpo/platform';
import type { INestApplication } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { startHarness, waitFor, type Harness, type Json } from './harness.js';

const T0 = Date.parse('2024-10-01T03:00:00.000Z');
const at = (minutes: number) => new Date(T0 + minutes * 60_000).toISOString();

/** Two replicas share the per-minute job through the Redis lock; a survivor continues from the database. */
describe('measurements across replicas and restarts', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ start: at(0) });
    await h.setNow(at(0));
  });
  afterAll(() => h?.close(), 30_000);

  const items = async (): Promise<Json[]> => (await h.sim('GET', '/_sim/received')).body.measurements.G ?? [];
  const itemsAt = async (iso: string) => (await items()).filter((m) => Date.parse(m.measure_time) === Date.parse(iso));
  const sample = (app: INestApplication, wh: number) =>
    app.get(EventPublisher).publish(Subjects.OcppMeterSampled, { stationId: 'CP-1', connectorId: 1, timestamp: at(0), samples: [{ measurand: 'Energy.Active.Import.Register', value: wh, unit: 'Wh' }] });

  it('sends each minute once although two replicas tick', async () => {
    await h.connect('G', 100, ['CP-1']);
    await h.sim('POST', '/_sim/groups', { group_id: 'G' });
    await sample(h.oscp.app, 1_000);
    await sample(h.oscp.app, 3_000);
    await waitFor(async () => (await h.op('GET', `/partners/${(await h.op('GET', '/partners')).body[0].id}/groups`)).body[0].registerKwh === 2, 'register 2 kWh');
    await h.startReplica();
    for (const minute of [1, 2]) {
      await h.setNow(at(minute));
      await waitFor(async () => (await itemsAt(at(minute))).length > 0, `minute ${minute}`);
    }
    // Give the other replica's ticks time to (wrongly) send the same minutes again.
    await new Promise((r) => setTimeout(r, 500));
    expect(await itemsAt(at(1))).toHaveLength(1);
    expect(await itemsAt(at(2))).toHaveLength(1);
    expect((await itemsAt(at(2)))[0].value).toBe(2);
    // The minute's work was claimed through the shared Redis lock.
    expect(await h.oscp.app.get<Redis>(REDIS).exists(`oscp:${h.oscp.prefix}:minute:${Date.parse(at(2))}`)).toBe(1);
  });

  it('continues after the first replica stops: missed minutes caught up, the register kept', async () => {
    await h.stopPrimary();
    await h.setNow(at(5));
    await waitFor(async () => (await itemsAt(at(5))).length > 0, 'minute 5 from the survivor');
    for (const minute of [3, 4, 5]) expect((await itemsAt(at(minute))).map((m) => m.value)).toEqual([2]);
    const values = (await items()).map((m) => m.value);
    expect(values).toEqual([...values].sort((a, b) => a - b));
  });
});
