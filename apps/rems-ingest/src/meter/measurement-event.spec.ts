import { RemsMeasurementDecodedV1 } from '@cpo/contracts';
import { decodeRemsFrame, FRAME_LAYOUTS, parseHexFrame } from '@cpo/rems-protocol';
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

  // The outbox writer does not validate these events again (meter.repository.ts): this is what
  // makes that safe. Every layout, every length around it, random payload bytes (all-ones too:
  // the largest raw values), random fault words, ports and channels.
  it('builds contract-valid events for random frames of every layout and length', () => {
    let seed = 12345;
    const random = () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32);
    let checked = 0;
    for (const layout of Object.values(FRAME_LAYOUTS)) {
      const [energy, type] = layout.key.split('/').map((h) => parseInt(h, 16));
      for (let length = 5; length <= layout.length + 3; length++) {
        for (let round = 0; round < 20; round++) {
          const bytes = Buffer.alloc(length);
          for (let i = 5; i < length; i++) bytes[i] = round === 0 ? 0xff : round === 1 ? 0 : Math.floor(random() * 256);
          bytes.set([0x14, energy, type, Math.floor(random() * 4), 0]);
          const port = Math.floor(random() * 6);
          const decoded = decodeRemsFrame(bytes, { port });
          const event = toMeasurementEvent(decoded, { ...origin, port, channel: round % 3 === 0 ? 'http' : 'mqtt3' });
          if (!event) continue;
          const result = RemsMeasurementDecodedV1.safeParse(event);
          if (!result.success) throw new Error(`${layout.key} ${bytes.toString('hex')}: ${result.error.message}`);
          // What the relay publishes is the JSON text of the event: it must survive the round trip too.
          expect(RemsMeasurementDecodedV1.safeParse(JSON.parse(JSON.stringify(event))).success).toBe(true);
          checked++;
        }
      }
    }
    expect(checked).toBeGreaterThan(500);
  });
});
