import { RetentionJob } from '../src/retention/retention.job.js';
import { UNSET_CLOCK_START } from '../src/transactions/unset-clock.js';
import { startOcpp, uniqueStation, type OcppHarness } from './harness.js';

const DAY_MS = 24 * 60 * 60_000;
const OLD = new Date(Date.now() - 3 * DAY_MS);

/** A station last seen `seenAt` (its boot, heartbeat or connection), or none registered for `null`. */
async function station(h: OcppHarness, seenAt: Date | null): Promise<string> {
  const cp = uniqueStation('RET');
  if (seenAt) await h.db.query(`INSERT INTO stations (id, booted_at, last_seen_at) VALUES ($1, $2, $2)`, [cp, seenAt]);
  return cp;
}

/** A session started at OLD by an unset clock, never stopped, its StartTransaction kept as sent. */
async function keptStart(h: OcppHarness, stationId: string): Promise<void> {
  await h.db.query(
    `INSERT INTO transactions (transaction_id, station_id, connector_id, id_tag, id_tag_status, meter_start_wh, started_at)
     VALUES (nextval('transaction_id_seq'), $1, 1, 'TAG', 'Accepted', 0, $2)`,
    [stationId, OLD],
  );
  await h.db.query(`INSERT INTO station_messages (station_id, kind, payload, received_at) VALUES ($1, $2, '{}', $3)`, [stationId, UNSET_CLOCK_START, OLD]);
}

const keptStarts = async (h: OcppHarness, stationId: string) =>
  Number(((await h.db.query(`SELECT count(*) AS n FROM station_messages WHERE station_id = $1 AND kind = $2`, [stationId, UNSET_CLOCK_START])) as { n: string }[])[0]!.n);

describe('data retention of an unset-clock start kept as sent (OCPP_MESSAGE_RETENTION_DAYS = 1)', () => {
  let a: OcppHarness;
  beforeAll(async () => {
    a = await startOcpp({ OCPP_METER_RETENTION_DAYS: '1', OCPP_MESSAGE_RETENTION_DAYS: '1' });
  });
  afterAll(async () => {
    await a?.close();
  });

  it('lets the kept start of a session never stopped go once its station has not reported for the retention', async () => {
    // Back from its power loss (booted within the retention): a retry of the start may still come.
    const back = await station(a, new Date(Date.now() - 60 * 60_000));
    // Silent since two days, over the retention of one: the unit replaced, or its stop lost for good.
    const quiet = await station(a, new Date(Date.now() - 2 * DAY_MS));
    // Deleted by the operator (its transactions and messages stay): it reports under no registration.
    const deleted = await station(a, null);
    for (const cp of [back, quiet, deleted]) await keptStart(a, cp);

    expect((await a.app.app.get(RetentionJob).runIfLeader())?.complete).toBe(true);
    expect([await keptStarts(a, back), await keptStarts(a, quiet), await keptStarts(a, deleted)]).toEqual([1, 0, 0]);
  });
});
