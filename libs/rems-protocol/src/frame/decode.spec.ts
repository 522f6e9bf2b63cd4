import { decodeRemsFrame, decodeTemperature, scaled, type DecodedRemsFrame } from './decode.js';
import { parseHexFrame } from './hex.js';

/** The REMS guide's test vectors (§11). */
const V1 = '1401010000015e003204e200dc001a04e203e7025800000000000f42400000';
const V2 = '140101000000c10000003600e50000002503520258000000000001b6740000';
const V3 = '14010200000258001400002ee0017c017c017c00120012001200002cec03de025800000000075bcd150000';
const V4 = '140101000000dc0096000a00dc0096000a03e7025800000000ffffff0001';
const V5 = `${V1.slice(0, -4)}0841`;

function decode(hex: string, context = {}): DecodedRemsFrame {
  const parsed = parseHexFrame(hex);
  if (!parsed.ok) throw new Error(`not hex: ${hex}`);
  return decodeRemsFrame(parsed.bytes, context);
}

describe('decodeRemsFrame: solar PV vectors', () => {
  it.each([
    [
      'V1 single-phase (Hi-REMS)',
      V1,
      { pvVoltageV: 350, pvCurrentA: 50, pvPowerW: 1250, gridVoltageV: 220, gridCurrentA: 26, outputPowerW: 1250, powerFactorPct: 99.9, frequencyHz: 60, generationWh: 1_000_000 },
      1_000_000n,
      1,
    ],
    [
      'V2 single-phase (real InoElectric capture)',
      V2,
      { pvVoltageV: 193, pvCurrentA: 0, pvPowerW: 54, gridVoltageV: 229, gridCurrentA: 0, outputPowerW: 37, powerFactorPct: 85, frequencyHz: 60, generationWh: 112_244 },
      112_244n,
      1,
    ],
    [
      'V3 three-phase',
      V3,
      {
        pvVoltageV: 600, pvCurrentA: 20, pvPowerW: 12_000,
        gridVoltageRV: 380, gridVoltageSV: 380, gridVoltageTV: 380,
        gridCurrentRA: 18, gridCurrentSA: 18, gridCurrentTA: 18,
        outputPowerW: 11_500, powerFactorPct: 99, frequencyHz: 60, generationWh: 123_456_789,
      },
      123_456_789n,
      3,
    ],
  ])('%s', (_name, hex, values, counter, phases) => {
    const frame = decode(hex, { port: 0, expectedLayoutKey: phases === 1 ? '01/01' : '01/02' });
    expect(frame.kind).toBe('reading');
    expect(frame.energySource).toBe('solar');
    expect(frame.phases).toBe(phases);
    expect(frame.values).toEqual(values);
    expect(frame.energyCounter).toEqual({ field: 'generationWh', raw: counter, whPerUnit: 1 });
    expect(frame.powerW).toBe(values.outputPowerW);
    expect(frame.fault).toEqual({ faultBits: 0, running: true, hasFault: false, flags: [] });
    expect(frame.flags).toEqual([]);
    expect(frame.missingFields).toEqual([]);
    expect(frame.trailingPartial).toBeUndefined();
  });

  it('V4, the guide\'s 30-byte sample: decoded up to offset 28, truncated, fault word missing, implausible', () => {
    const frame = decode(V4, { port: 0 });
    expect(frame.kind).toBe('reading');
    expect(frame.length).toBe(30);
    expect(frame.values).toMatchObject({ pvVoltageV: 220, pvCurrentA: 150, pvPowerW: 10, powerFactorPct: 99.9, frequencyHz: 60, generationWh: 4_294_967_040 });
    expect(frame.energyCounter?.raw).toBe(4_294_967_040n);
    expect(frame.fault).toBeUndefined();
    expect(frame.flags).toEqual(expect.arrayContaining(['truncated', 'faultWordMissing', 'implausible']));
    expect(frame.missingFields).toEqual(['faultBits']);
    expect(frame.trailingPartial).toBe('01');
  });

  it('V5: fault word 0x0841 → not running, grid over-voltage, islanding', () => {
    const frame = decode(V5);
    expect(frame.fault).toEqual({ faultBits: 0x0841, running: false, hasFault: true, flags: ['not_running', 'grid_over_voltage', 'islanding'] });
  });

  it('a fault word with only bit 0 is a state (night), not a fault', () => {
    expect(decode(`${V1.slice(0, -4)}0001`).fault).toMatchObject({ running: false, hasFault: false, flags: ['not_running'] });
  });

  it('V7: only the PV voltage fits → truncated, no energy', () => {
    const frame = decode('1401010000015e');
    expect(frame.values).toEqual({ pvVoltageV: 350 });
    expect(frame.energyCounter).toBeUndefined();
    expect(frame.flags).toContain('truncated');
    expect(frame.flags).not.toContain('faultWordMissing');
    expect(frame.fault).toBeUndefined();
    expect(frame.powerW).toBeNull();
  });

  it('never decodes part of a field: a cut counter is missing and kept as trailing bytes', () => {
    const frame = decode(V1.slice(0, 2 * 25));
    expect(frame.values.generationWh).toBeUndefined();
    expect(frame.energyCounter).toBeUndefined();
    expect(frame.missingFields).toEqual(['generationWh', 'faultBits']);
    expect(frame.trailingPartial).toBe('00000000');
    expect(frame.flags).toEqual(['truncated']);
  });

  it('an over-long frame decodes its known prefix and is flagged', () => {
    const frame = decode(`${V1}abcd`);
    expect(frame.values.generationWh).toBe(1_000_000);
    expect(frame.flags).toEqual(['overLength']);
  });
});

describe('decodeRemsFrame: header-only, unknown and foreign frames', () => {
  it.each([
    ['1401010039', 'no_inverter_response'],
    ['1401010038', 'serial_port_failure'],
    ['1401010002', 'unknown_error'],
  ])('V6 %s is an error frame (%s): heartbeat only, no reading', (hex, errorName) => {
    const frame = decode(hex);
    expect(frame.kind).toBe('error');
    expect(frame.errorName).toBe(errorName);
    expect(frame.values).toEqual({});
    expect(frame.energyCounter).toBeUndefined();
    expect(frame.flags).toContain('errorFrame');
  });

  it('V8: a frame whose first byte is not 0x14 is not a REMS frame', () => {
    expect(decode(`15${V1.slice(2)}`)).toMatchObject({ kind: 'not_rems', flags: ['notRemsFrame'] });
    expect(decode('1401').kind).toBe('not_rems');
  });

  it('V9: ESS has no trusted layout → stored raw, unknownLayout', () => {
    const frame = decode(`1407010000${'00'.repeat(27)}`);
    expect(frame).toMatchObject({ kind: 'unknown_layout', energySource: 'other', layoutKey: '07/01', flags: ['unknownLayout'], values: {} });
  });

  it('wind 04/00 is a data-less heartbeat', () => {
    expect(decode('1404000000').kind).toBe('heartbeat');
  });
});

describe('decodeRemsFrame: cross-checks flag, never reject', () => {
  it('multi ≠ port, KEA solar port > 3, and a module configured for another type', () => {
    expect(decode(V1, { port: 1 }).flags).toEqual(['multiMismatch']);
    expect(decode(V1, { port: 4 }).flags).toEqual(['multiMismatch', 'portOutOfRange']);
    expect(decode(V1, { port: 0, expectedLayoutKey: '01/02' }).flags).toEqual(['typeMismatch']);
    expect(decode(V1, { port: 0, expectedLayoutKey: '01/02' }).kind).toBe('reading');
  });
});

describe('decodeRemsFrame: other energy sources', () => {
  const t = (celsius: number) => (celsius < 0 ? 0xf000 | Math.round(-celsius * 10) : Math.round(celsius * 10)).toString(16).padStart(4, '0');
  const n = (value: number | bigint, bytes: number) => BigInt(value).toString(16).padStart(bytes * 2, '0');

  it('02/01 solar thermal (forced): temperatures, flows, kcal counters, energy in Wh', () => {
    const hex = `1402010000${t(61.5)}${t(-3.2)}${t(55)}${t(40)}${n(123, 4)}${n(500_000, 8)}${t(12)}${t(50)}${n(80, 4)}${n(300_000, 8)}0000`;
    const frame = decode(hex);
    expect(frame.length).toBe(43);
    expect(frame).toMatchObject({ kind: 'reading', energySource: 'solar_thermal', confidence: 'medium', flags: [] });
    expect(frame.values).toEqual({
      collectorInC: 61.5, collectorOutC: -3.2, tankTopC: 55, tankBottomC: 40, flowLpm: 12.3, heatProducedKcal: 5000,
      feedWaterC: 12, hotWaterC: 50, consumptionFlowLpm: 8, heatUsedKcal: 3000,
    });
    expect(frame.energyCounter).toMatchObject({ field: 'heatProducedKcal', raw: 500_000n });
    expect(Number(frame.energyCounter!.raw) * frame.energyCounter!.whPerUnit).toBeCloseTo(5000 * 1.163, 6);
    expect(frame.powerW).toBeNull();
  });

  it('03/01 geothermal heat pump', () => {
    const hex = `1403010000${n(220, 2)}${n(10, 2)}${n(2200, 2)}${n(9000, 4)}${n(1234, 8)}${n(400, 8)}02${t(10)}${t(7)}${t(30)}${t(35)}${n(150, 4)}0001`;
    const frame = decode(hex);
    expect(frame.length).toBe(46);
    expect(frame.energySource).toBe('heat_pump');
    expect(frame.values).toMatchObject({ voltageV: 220, heatOutputW: 9000, heatProducedKwh: 123.4, electricityUsedKwh: 40, operatingState: 2, hvacOutC: 35, waterFlowLpm: 15 });
    expect(frame.fault).toMatchObject({ running: false, hasFault: false, flags: ['not_running'] });
    expect(frame.energyCounter).toMatchObject({ raw: 1234n, whPerUnit: 100 });
  });

  it('03/02 geothermal load side: 39 bytes, and the 37-byte variant without the fault word', () => {
    const body = `1403020000${t(20)}${t(25)}${n(100, 4)}${n(50, 8)}${t(15)}${t(45)}${n(60, 4)}${n(70, 8)}`;
    const full = decode(`${body}0000`);
    expect(full.length).toBe(39);
    expect(full.flags).toEqual([]);
    expect(full.values).toMatchObject({ hvacInC: 20, supplyHotC: 45, supplyHeatUsedKwh: 7 });
    const short = decode(body);
    expect(short.length).toBe(37);
    expect(short.flags).toEqual(['faultWordMissing']);
    expect(short.fault).toBeUndefined();
    expect(short.energyCounter?.raw).toBe(50n);
  });

  it('04/01 wind', () => {
    const hex = `1404010000${n(400, 2)}${n(5, 2)}${n(2000, 2)}${n(230, 2)}${n(8, 2)}${n(1900, 2)}${n(600, 2)}${n(777, 8)}0000`;
    const frame = decode(hex);
    expect(frame.length).toBe(29);
    expect(frame).toMatchObject({ energySource: 'wind', powerW: 1900, flags: [] });
    expect(frame.values).toMatchObject({ generatorPowerW: 2000, frequencyHz: 60, generationWh: 777 });
  });

  it('06/01 fuel cell, disputed fields decoded under neutral names', () => {
    const words = [300, 10, 3000, 220, 12, 2640].map((v) => n(v, 2)).join('');
    const hex = `1406010000${words}${n(1500, 2)}${n(10, 8)}${n(20, 8)}${n(30, 8)}${t(15)}${t(60)}${n(456, 2)}${n(600, 2)}${n(99_999, 8)}0000`;
    const frame = decode(hex);
    expect(frame.length).toBe(61);
    expect(frame).toMatchObject({ energySource: 'fuel_cell', powerW: 2640, flags: [] });
    expect(frame.values).toMatchObject({ heatOutputW: 1500, counter35Raw: 30, field47Pct: 45.6, generationWh: 99_999, outletC: 60 });
    expect(frame.energyCounter).toMatchObject({ field: 'generationWh', raw: 99_999n });
  });

  it('a temperature with a sign nibble other than 0/F is left out and flagged', () => {
    const hex = `1402020000${'1234'}${t(50)}${n(10, 4)}${n(10, 8)}0000`;
    const frame = decode(hex);
    expect(frame.values.feedWaterC).toBeUndefined();
    expect(frame.values.hotWaterC).toBe(50);
    expect(frame.flags).toEqual(['invalidTemperature']);
  });

  it('counters ≥ 2^53 stay exact as bigint and are left out of the numeric values', () => {
    const frame = decode(`${V1.slice(0, 42)}ffffffffffffffff0000`);
    expect(frame.counters.generationWh).toBe(0xffffffffffffffffn);
    expect(frame.values.generationWh).toBeUndefined();
  });
});

describe('decodeTemperature', () => {
  it.each([
    [0x0000, 0],
    [0x0267, 61.5],
    [0xf020, -3.2],
    [0xf000, 0],
    [0x1000, undefined],
    [0x8001, undefined],
  ])('%s → %s', (word, expected) => expect(decodeTemperature(word)).toBe(expected));
});

describe('scaled', () => {
  const general = (raw: number, scale: number) => Number((raw * scale).toPrecision(12));

  it('equals the product rounded to 12 significant digits for every u16 and for u32 samples', () => {
    for (const scale of [0.1, 0.01]) {
      for (let raw = 0; raw <= 0xffff; raw++) if (scaled(raw, scale) !== general(raw, scale)) throw new Error(`${raw} × ${scale}`);
      let seed = 7;
      for (let i = 0; i < 200_000; i++) {
        seed = (seed * 1103515245 + 12345) >>> 0;
        const raw = i % 2 === 0 ? seed : 0xffffffff - (seed % 1000);
        if (scaled(raw, scale) !== general(raw, scale)) throw new Error(`${raw} × ${scale}`);
      }
      for (const raw of [1e10 - 1, 1e10, 1e10 + 1, 2 ** 40 + 3, Number.MAX_SAFE_INTEGER]) expect(scaled(raw, scale)).toBe(general(raw, scale));
    }
    expect(scaled(999, 0.1)).toBe(99.9);
    expect(scaled(12345, 1)).toBe(12345);
    expect(scaled(3, 1.163)).toBe(general(3, 1.163));
  });
});
