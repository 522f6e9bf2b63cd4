import { parseOcppTime } from '../time.js';
import { meterRowsOf } from './meter-samples.js';

describe('meterRowsOf', () => {
  it('fills in the OCPP defaults, parses decimals, keeps signed data verbatim without a number', () => {
    const { rows, event } = meterRowsOf('CP', 1, 7, {
      timestamp: '2026-11-23T10:00:00Z',
      sampledValue: [
        { value: '1500.5' },
        { value: '-3.5', measurand: 'Temperature', unit: 'Celsius', location: 'Body' },
        { value: 'AQID', format: 'SignedData', context: 'Transaction.Begin' },
        { value: 'n/a', measurand: 'SoC', unit: 'Percent' },
      ],
    });
    expect(rows.map((r) => [r.measurand, r.value, r.unit, r.format])).toEqual([
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

  it('publishes no event when nothing numeric was measured', () => {
    expect(meterRowsOf('CP', 0, null, { timestamp: '2026-11-23T10:00:00Z', sampledValue: [{ value: 'x', format: 'SignedData' }] }).event).toBeUndefined();
  });
});

describe('parseOcppTime', () => {
  it('reads a timestamp without zone as UTC and refuses garbage', () => {
    expect(parseOcppTime('2026-11-23T10:00:00').toISOString()).toBe('2026-11-23T10:00:00.000Z');
    expect(parseOcppTime('2026-11-23T12:00:00+02:00').toISOString()).toBe('2026-11-23T10:00:00.000Z');
    expect(() => parseOcppTime('yesterday')).toThrow('not a date-time');
  });
});
