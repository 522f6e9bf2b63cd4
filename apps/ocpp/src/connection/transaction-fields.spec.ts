import { coreFieldProblem, withoutNullOptionals } from './core-fields.js';
import { readInteger, readRegisterWh, readTransactionFields, roundHalfEven } from './transaction-fields.js';

describe('transaction core fields read below the schema', () => {
  it('reads ids from integer-valued numbers and numeric strings, never rounding one', () => {
    expect([1, '1', ' 8 ', '8.0', '+3', '-1'].map(readInteger)).toEqual([1, 1, 8, 8, 3, -1]);
    // Left as sent, for the core-field check to refuse: no id is meant.
    expect(['abc', '', '8.5', '0x10', 8.5, true, null, {}].map(readInteger)).toEqual(['abc', '', '8.5', '0x10', 8.5, true, null, {}]);
  });

  it('reads registers to the nearest Wh, ties to even (as PostgreSQL rounds a stored reading)', () => {
    expect([1000, '1000', 1000.5, '1001.5', 1000.7, '-2.5', '1e3'].map(readRegisterWh)).toEqual([1000, 1000, 1000, 1002, 1001, -2, 1000]);
    expect(['12kWh', '', 'NaN', '1e400', [1]].map(readRegisterWh)).toEqual(['12kWh', '', 'NaN', '1e400', [1]]);
    expect([0.5, 1.5, 2.5, -0.5, 2.4999].map(roundHalfEven)).toEqual([0, 2, 2, -0, 2]);
  });

  it('reads a StartTransaction: numeric strings, a decimal meterStart, "" as no reservation', () => {
    const sent = {
      connectorId: '1',
      idTag: 'T',
      meterStart: '1000.5',
      timestamp: '2026-01-01T10:00:00Z',
      reservationId: '',
    };
    expect(readTransactionFields('StartTransaction', sent)).toEqual({
      connectorId: 1,
      idTag: 'T',
      meterStart: 1000,
      timestamp: '2026-01-01T10:00:00Z',
    });
    expect(sent.connectorId).toBe('1');
  });

  it('reads a StopTransaction: string id, blank reason and numeric sampled values; an empty idTag stays (schema-valid)', () => {
    const transactionData = [
      {
        timestamp: '2026-01-01T10:30:00Z',
        sampledValue: [{ value: 2400 }, { value: '7', unit: 'A' }, { value: 1.25 }],
      },
    ];
    expect(
      readTransactionFields('StopTransaction', {
        transactionId: '8',
        meterStop: 2500,
        timestamp: 't',
        idTag: '',
        reason: ' ',
        transactionData,
      }),
    ).toEqual({
      transactionId: 8,
      meterStop: 2500,
      timestamp: 't',
      idTag: '',
      transactionData: [
        {
          timestamp: '2026-01-01T10:30:00Z',
          sampledValue: [{ value: '2400' }, { value: '7', unit: 'A' }, { value: '1.25' }],
        },
      ],
    });
  });

  it('returns the payload itself when nothing needs reading, and leaves other actions alone', () => {
    const mv = {
      connectorId: 1,
      transactionId: 5,
      meterValue: [{ timestamp: '2026-01-01T10:00:00Z', sampledValue: [{ value: '1' }] }],
    };
    expect(readTransactionFields('MeterValues', mv)).toBe(mv);
    const status = {
      connectorId: '1',
      status: 'Available',
      errorCode: 'NoError',
    };
    expect(readTransactionFields('StatusNotification', status)).toBe(status);
  });

  it('passes the core-field check once read; what means nothing is still refused', () => {
    const read = (action: string, p: Record<string, unknown>) => coreFieldProblem(action, withoutNullOptionals(action, p));
    const ts = '2026-01-01T10:00:00Z';
    expect(
      read('StartTransaction', {
        connectorId: '1',
        idTag: 'T',
        meterStart: 1000.5,
        timestamp: ts,
        reservationId: '',
      }),
    ).toBeUndefined();
    expect(
      read('StopTransaction', {
        transactionId: '8',
        meterStop: '10',
        timestamp: ts,
        transactionData: [{ timestamp: ts, sampledValue: [{ value: 5 }] }],
      }),
    ).toBeUndefined();
    expect(
      read('MeterValues', {
        connectorId: 1,
        transactionId: '8',
        meterValue: [],
      }),
    ).toBeUndefined();
    expect(withoutNullOptionals('MeterValues', { connectorId: '0', transactionId: '', meterValue: [] })).toEqual({ connectorId: 0, meterValue: [] });
    expect(
      read('MeterValues', {
        connectorId: 1,
        meterValue: [{ timestamp: ts, sampledValue: [] }],
      }),
    ).toBeUndefined();
    expect(
      read('MeterValues', {
        connectorId: 1,
        transactionId: null,
        meterValue: [{ timestamp: ts, sampledValue: [{ value: 1500 }] }],
      }),
    ).toBeUndefined();

    expect(
      read('StartTransaction', {
        connectorId: 'abc',
        idTag: 'T',
        meterStart: 0,
        timestamp: ts,
      }),
    ).toBe('connectorId must be an integer from 1');
    expect(
      read('StartTransaction', {
        connectorId: 1,
        idTag: 'T',
        meterStart: 0,
        timestamp: ts,
        reservationId: 'r1',
      }),
    ).toBe('reservationId must be a 32-bit integer');
    expect(read('StopTransaction', { meterStop: 10, timestamp: ts })).toBe('transactionId must be a 32-bit integer');
    expect(
      read('StopTransaction', {
        transactionId: '2147483648',
        meterStop: 10,
        timestamp: ts,
      }),
    ).toBe('transactionId must be a 32-bit integer');
    // A sample without a readable value, or a reading without a readable time, is left out, not the message.
    expect(
      withoutNullOptionals('MeterValues', {
        connectorId: 1,
        meterValue: [
          { timestamp: ts, sampledValue: [{ value: { v: 1 } }, { value: '7' }] },
          { timestamp: '', sampledValue: [{ value: '8' }] },
        ],
      }),
    ).toEqual({ connectorId: 1, meterValue: [{ timestamp: ts, sampledValue: [{ value: '7' }] }] });
    expect(read('MeterValues', { connectorId: 1, meterValue: {} })).toBe('meterValue must be an array');
  });
});
