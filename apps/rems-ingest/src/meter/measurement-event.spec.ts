import { RemsMeasurementDecodedV1 } from '@cpo/contracts';
import { decodeRemsFrame, parseHexFrame } from '@cpo/rems-protocol';
import { toMeasurementEvent, type FrameOrigin } from './measurement-event.js';

const origin: FrameOrigin = { tenantAlias: 'acme', transceiverId: 'MATA0000000001', port: 0, channel: 'mqtt5', receivedAt: new Date('2026-01-01T00:00:00Z') };

function frame(hex: string) {
  const parsed = parseHexFrame(hex);
  if (!parsed.ok) throw new Error('bad hex');
  return decodeRemsFrame(parsed.bytes, { port: 0 });
}

describe('toMeasurementEvent', () => {
  it('maps a decoded single-phase reading to a contract-valid event', () => {
    const event = toMeasurementEvent(frame('1401010000015e003204e200dc001a04e203e7025800000000000f42400841'), origin);
    expect(RemsMeasurementDecodedV1.safeParse(event).success).toBe(true);
    expect(event).toMatchObject({
      source: 'mqtt',
      energySource: 'solar',
      phases: 1,
      powerW: 1250,
      cumulativeWh: 1_000_000,
      measuredAt: '2026-01-01T00:00:00.000Z',
      faults: ['grid_over_voltage', 'islanding'],
    });
    expect(event?.values).toMatchObject({ pvVoltageV: 350, frequencyHz: 60, faultBits: 0x0841 });
  });

  it('keeps a truncated reading without a counter or fault word', () => {
    const event = toMeasurementEvent(frame('1401010000015e'), { ...origin, channel: 'http' });
    expect(RemsMeasurementDecodedV1.safeParse(event).success).toBe(true);
    expect(event).toMatchObject({ source: 'http', powerW: null, cumulativeWh: null, faults: [], values: { pvVoltageV: 350 } });
  });

  it('emits nothing for error frames, unknown layouts and foreign frames', () => {
    for (const hex of ['1401010039', `1407010000${'00'.repeat(27)}`, '150101000000']) expect(toMeasurementEvent(frame(hex), origin)).toBeUndefined();
  });
});
