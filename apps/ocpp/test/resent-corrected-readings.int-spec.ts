import { MeterValuesService } from '../src/transactions/meter-values.service.js';
import { ocppSuite, send } from './harness.js';

const HOUR = 3_600_000;
const SECOND = 1_000;

/**
 * A MeterValues whose stamp the connection's clock offset corrected is stored at the corrected time.
 * Its answer lost, the charger resends it on its next connection, where the offset is not measured
 * yet (a minute of evidence) or is another: the resend fell at its stamp (hours from the stored
 * reading), or at another corrected time, or at receipt for a clock far ahead, and was stored and
 * published twice. Matched on the stamp as sent (`meter_readings.sent_at`), it is stored once.
 * Driven through the service (the offset given as the connection would give it), on the real app.
 */
describe('a MeterValues corrected by the clock offset and resent on another connection', () => {
  const { ocpp, booted } = ocppSuite();
  const meter = () => ocpp().app.app.get(MeterValuesService);
  const stored = async (station: string) =>
    (await ocpp().db.query(`SELECT sampled_at, sent_at FROM meter_readings WHERE station_id = $1 ORDER BY id`, [station])) as { sampled_at: Date; sent_at: Date | null }[];

  /** A station with a session on connector 1; the MeterValues of it stamped `stampMs`. */
  async function session() {
    const cp = await booted();
    const { transactionId } = await send(cp, 'StartTransaction', { connectorId: 1, idTag: 'TAG-RESENT', meterStart: 1000, timestamp: new Date().toISOString() });
    const reading = (stampMs: number, wh = 1500) => ({ connectorId: 1, transactionId, meterValue: [{ timestamp: new Date(stampMs).toISOString(), sampledValue: [{ value: String(wh) }] }] });
    return { station: cp.identity, reading };
  }
  /**
   * Sends the reading stamped `stampMs` as received at `first` on a connection open for an hour with
   * offset `firstOffset`, then as resent at `first` + 5 s on a connection opened 2 s before with `resentOffset`.
   */
  async function resend(stampMs: number, first: number, firstOffset: number | undefined, resentOffset: number | undefined) {
    const { station, reading } = await session();
    await meter().record(station, reading(stampMs), new Date(first), new Date(first - HOUR), firstOffset);
    const again = first + 5 * SECOND;
    await meter().record(station, reading(stampMs), new Date(again), new Date(again - 2 * SECOND), resentOffset);
    return { station, reading, again };
  }

  it('corrected, then resent where no offset is measured yet (taken at its stamp, 3 hours earlier): stored once; a new reading still is', async () => {
    const now = Date.now();
    const stamp = now - 3 * HOUR - SECOND;
    const { station, reading, again } = await resend(stamp, now, 3 * HOUR, undefined);
    expect(await stored(station)).toEqual([{ sampled_at: new Date(now - SECOND), sent_at: new Date(stamp) }]);
    // The same values at the next stamp are a reading of their own (an idle meter), also on the new connection.
    await meter().record(station, reading(stamp + 10 * SECOND), new Date(again + SECOND), new Date(again - 2 * SECOND));
    expect(await stored(station)).toHaveLength(2);
  });

  it('taken at its stamp, then resent where an offset is measured (corrected): stored once', async () => {
    const now = Date.now();
    const { station } = await resend(now - 3 * HOUR - SECOND, now, undefined, 3 * HOUR);
    expect(await stored(station)).toHaveLength(1);
  });

  it('corrected by one offset, then resent where another is measured: stored once', async () => {
    const now = Date.now();
    const { station } = await resend(now - 3 * HOUR - SECOND, now, 3 * HOUR, 3 * HOUR + 3 * SECOND);
    expect(await stored(station)).toHaveLength(1);
  });

  it('from a clock 2 hours ahead, corrected, then resent where no offset is measured (at its receipt): stored once', async () => {
    const now = Date.now();
    const stamp = now + 2 * HOUR - SECOND;
    const { station } = await resend(stamp, now, -2 * HOUR, undefined);
    expect(await stored(station)).toEqual([{ sampled_at: new Date(now - SECOND), sent_at: new Date(stamp) }]);
  });
});
