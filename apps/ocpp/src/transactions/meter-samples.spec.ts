import { Subjects, validateEvent } from '@cpo/contracts';
import { parseOcppTime } from '../time.js';
import { MAX_EVENT_SAMPLES, meterReadingOf } from './meter-samples.js';
import { mainRegisters } from './register-series.js';

type MeterValue = Parameters<typeof meterReadingOf>[3];
/** A reading whose time of record is the time its charger stamped (a set clock). */
const readingOf = (stationId: string, connectorId: number, transactionId: number | null, mv: MeterValue) =>
  meterReadingOf(stationId, connectorId, transactionId, mv, parseOcppTime(mv.timestamp));

describe('meterReadingOf', () => {
  it('stores and publishes the reading at its time of record, not its stamp as sent (an unset clock: the receipt time)', () => {
    const receivedAt = new Date('2026-12-06T18:00:00.250Z');
    const { reading, event } = meterReadingOf('CP', 1, 7, { timestamp: '1970-01-01T00:00:35Z', sampledValue: [{ value: '100' }] }, receivedAt);
    expect(reading.sampledAt).toBe('2026-12-06T18:00:00.250Z');
    expect(event?.timestamp).toBe('2026-12-06T18:00:00.250Z');
  });

  it('fills in the OCPP defaults, parses decimals, keeps signed data verbatim without a number', () => {
    const { reading, event } = readingOf('CP', 1, 7, {
      timestamp: '2026-11-23T10:00:00Z',
      sampledValue: [
        { value: '1500.5' },
        { value: '-3.5', measurand: 'Temperature', unit: 'Celsius', location: 'Body' },
        { value: 'AQID', format: 'SignedData', context: 'Transaction.Begin' },
        { value: 'n/a', measurand: 'SoC', unit: 'Percent' },
      ],
    });
    expect(reading).toMatchObject({ stationId: 'CP', connectorId: 1, transactionId: 7, sampledAt: '2026-11-23T10:00:00.000Z' });
    expect(reading.samples.map((r) => [r.measurand, r.value, r.unit, r.format])).toEqual([
      ['Energy.Active.Import.Register', 1500.5, 'Wh', 'Raw'],
      ['Temperature', -3.5, 'Celsius', 'Raw'],
      ['Energy.Active.Import.Register', null, 'Wh', 'SignedData'],
      ['SoC', null, 'Percent', 'Raw'],
    ]);
    expect(event).toEqual({
      stationId: 'CP',
      connectorId: 1,
      transactionId: 7,
      timestamp: '2026-11-23T10:00:00.000Z',
      samples: [
        { measurand: 'Energy.Active.Import.Register', value: 1500.5, unit: 'Wh' },
        { measurand: 'Temperature', value: -3.5, unit: 'Celsius', location: 'Body' },
      ],
    });
  });

  it('builds only events the contract accepts (they are published unchecked), whatever a lenient charger sent', () => {
    const odd = [
      { value: '1', measurand: 'Vendor.Specific' },
      { value: '2', unit: 'furlongs' },
      { value: '3', phase: 'L4' },
      { value: '4', context: 'Whenever', location: 'Moon' },
      { value: '5', measurand: 42, unit: { x: 1 } },
      { value: '6', measurand: 'Voltage', unit: 'V', phase: 'L1-N', context: 'Sample.Clock', location: 'Outlet' },
      { value: '1e3', measurand: 'Power.Active.Import', unit: 'W' },
    ] as unknown as Parameters<typeof meterReadingOf>[3]['sampledValue'];
    const cases: [number, number | null][] = [
      [1, 7],
      [0, null],
      [-1, 7],
      [1.5, 7],
      [1, -3],
    ];
    for (const [connectorId, transactionId] of cases) {
      const { reading, event } = readingOf('CP-1', connectorId, transactionId, { timestamp: '2026-11-23T10:00:00+01:00', sampledValue: odd });
      expect(reading.samples).toHaveLength(odd.length); // every sampled value is stored
      if (event) expect(validateEvent(Subjects.OcppMeterSampled, 1, event)).toEqual(expect.objectContaining({ ok: true }));
      expect(event === undefined).toBe(connectorId < 0 || !Number.isInteger(connectorId) || (transactionId !== null && transactionId <= 0));
      // Non-text fields fall back to the OCPP defaults (5); values outside the enums are only stored.
      expect(event?.samples.map((x) => x.value)).toEqual(event ? [5, 6, 1000] : undefined);
    }
  });

  it('caps the samples of the event far below NATS max_payload (1 MiB) and still stores every sampled value', () => {
    // A 4 MB frame may carry ~20,000 sampled values in one MeterValue; each here is as long as a contract sample gets.
    const sampledValue = Array.from({ length: 20_000 }, (_, i) => ({
      value: String(-1.2345678901234567e300 - i),
      measurand: 'Energy.Reactive.Import.Interval',
      unit: 'kvarh',
      phase: 'L1-N',
      context: 'Transaction.Begin',
      location: 'Outlet',
    }));
    const { reading, event } = readingOf('CP-WITH-A-LONG-STATION-ID', 1, 2_147_483_647, { timestamp: '2026-11-23T10:00:00Z', sampledValue } as Parameters<typeof meterReadingOf>[3]);
    expect(reading.samples).toHaveLength(20_000);
    expect(event?.samples).toHaveLength(MAX_EVENT_SAMPLES);
    expect(event?.samples.map((x) => x.value)).toEqual(sampledValue.slice(0, MAX_EVENT_SAMPLES).map((v) => Number(v.value))); // the first ones
    expect(validateEvent(Subjects.OcppMeterSampled, 1, event)).toEqual(expect.objectContaining({ ok: true }));
    expect(Buffer.byteLength(JSON.stringify(event))).toBeLessThan(256 * 1024);
  });

  it('defaults an absent unit by measurand: OCPP 1.6 defaults Wh only for energy, a current is in A and a power in W', () => {
    const { reading, event } = readingOf('CP', 1, 7, {
      timestamp: '2026-11-23T10:00:00Z',
      sampledValue: [
        { value: '15.8', measurand: 'Current.Import', phase: 'L1' },
        { value: '16', measurand: 'Current.Offered' },
        { value: '3600', measurand: 'Power.Active.Import' },
        { value: '230.1', measurand: 'Voltage', phase: 'L1-N' },
        { value: '80', measurand: 'SoC' },
        { value: '12', measurand: 'Energy.Reactive.Import.Register' },
        { value: '1500', measurand: 'Energy.Active.Import.Register' },
      ],
    });
    const units = ['A', 'A', 'W', 'V', 'Percent', 'varh', 'Wh'];
    expect(event?.samples.map((x) => x.unit)).toEqual(units);
    expect(reading.samples.map((x) => x.unit)).toEqual(units);
    expect(validateEvent(Subjects.OcppMeterSampled, 1, event)).toEqual(expect.objectContaining({ ok: true }));
  });

  it('reads a temperature without unit in Celsius, and keeps frequency, power factor and RPM without one (stored, not published as Wh)', () => {
    const { reading, event } = readingOf('CP', 1, 7, {
      timestamp: '2026-11-23T10:00:00Z',
      sampledValue: [
        { value: '41.5', measurand: 'Temperature', location: 'Body' },
        { value: '50.01', measurand: 'Frequency' },
        { value: '0.98', measurand: 'Power.Factor' },
        { value: '1200', measurand: 'RPM' },
      ],
    });
    expect(reading.samples.map((x) => [x.measurand, x.value, x.unit])).toEqual([
      ['Temperature', 41.5, 'Celsius'], ['Frequency', 50.01, undefined], ['Power.Factor', 0.98, undefined], ['RPM', 1200, undefined],
    ]);
    expect(event?.samples).toEqual([{ measurand: 'Temperature', value: 41.5, unit: 'Celsius', location: 'Body' }]);
    expect(validateEvent(Subjects.OcppMeterSampled, 1, event)).toEqual(expect.objectContaining({ ok: true }));
  });

  it('reads "" as an absent field and enumerations in any case as OCPP spells them, keeping the spelling sent', () => {
    const { reading, event } = readingOf('CP', 1, 7, {
      timestamp: '2026-11-23T10:00:00Z',
      sampledValue: [
        { value: '100', measurand: '', unit: '', phase: ' ', context: '', location: '', format: '' },
        { value: '15000', measurand: 'energy.active.import.register', unit: 'wh', context: 'SAMPLE.PERIODIC', location: 'outlet', format: 'raw' },
        { value: '16', measurand: ' Current.Import ', unit: 'a', phase: 'l1-n' },
        { value: '9', measurand: 'Vendor.Thing', unit: 'WH' },
      ],
    } as unknown as MeterValue);
    expect(reading.samples).toEqual([
      { measurand: 'Energy.Active.Import.Register', value: 100, rawValue: '100', unit: 'Wh', format: 'Raw', asSent: { measurand: '', unit: '', phase: ' ', context: '', location: '', format: '' } },
      {
        measurand: 'Energy.Active.Import.Register', value: 15000, rawValue: '15000', unit: 'Wh', context: 'Sample.Periodic', location: 'Outlet', format: 'Raw',
        asSent: { measurand: 'energy.active.import.register', unit: 'wh', context: 'SAMPLE.PERIODIC', location: 'outlet', format: 'raw' },
      },
      { measurand: 'Current.Import', value: 16, rawValue: '16', unit: 'A', phase: 'L1-N', format: 'Raw', asSent: { measurand: ' Current.Import ', unit: 'a', phase: 'l1-n' } },
      // Outside the enumeration: kept as sent (stored, not published); its unit is still read.
      { measurand: 'Vendor.Thing', value: 9, rawValue: '9', unit: 'Wh', format: 'Raw', asSent: { unit: 'WH' } },
    ]);
    expect(mainRegisters(reading).map((r) => r.registerWh)).toEqual([100, 15000]);
    expect(event?.samples.map((x) => [x.measurand, x.value, x.unit])).toEqual([
      ['Energy.Active.Import.Register', 100, 'Wh'], ['Energy.Active.Import.Register', 15000, 'Wh'], ['Current.Import', 16, 'A'],
    ]);
    expect(validateEvent(Subjects.OcppMeterSampled, 1, event)).toEqual(expect.objectContaining({ ok: true }));
  });

  it('publishes no event when nothing numeric was measured', () => {
    expect(readingOf('CP', 0, null, { timestamp: '2026-11-23T10:00:00Z', sampledValue: [{ value: 'x', format: 'SignedData' }] }).event).toBeUndefined();
  });
});

describe('parseOcppTime', () => {
  it('reads a timestamp without zone as UTC and refuses garbage', () => {
    expect(parseOcppTime('2026-11-23T10:00:00').toISOString()).toBe('2026-11-23T10:00:00.000Z');
    expect(parseOcppTime('2026-11-23T12:00:00+02:00').toISOString()).toBe('2026-11-23T10:00:00.000Z');
    expect(() => parseOcppTime('yesterday')).toThrow('not a date-time');
  });
});
