import { applyReading, emptyRegister, transactionStarted, transactionStopped, energyWh, minutesToSend, monotonic, summarisePoints } from './measurements.js';

describe('group register', () => {
  it('adds positive deltas per meter, the first reading being only a baseline', () => {
    let r = emptyRegister();
    r = applyReading(r, 'CP1', 1, 10_000);
    r = applyReading(r, 'CP1', 1, 10_500);
    r = applyReading(r, 'CP2', 1, 3_000);
    r = applyReading(r, 'CP2', 1, 3_250);
    expect(r.totalWh).toBe(750);
  });

  it('never decreases across a meter reset or swap', () => {
    let r = emptyRegister();
    for (const wh of [5_000, 6_000, 100, 400]) r = applyReading(r, 'CP1', 1, wh);
    expect(r.totalWh).toBe(1_000 + 300);
  });

  it('counts the main meter alone once a station reports one', () => {
    let r = emptyRegister();
    r = applyReading(r, 'CP1', 1, 1_000);
    r = applyReading(r, 'CP1', 1, 1_100);
    r = applyReading(r, 'CP1', 0, 50_000);
    r = applyReading(r, 'CP1', 1, 1_500);
    r = applyReading(r, 'CP1', 0, 50_700);
    expect(r.totalWh).toBe(100 + 700);
    expect(r.meters).toEqual({ 'CP1#0': 50_700 });
  });

  it('counts a transaction from its start to its stop register', () => {
    let r = transactionStarted(emptyRegister(), 'CP1', 2, 77, 1_000);
    r = applyReading(r, 'CP1', 2, 1_400);
    r = transactionStopped(r, 'CP1', 77, 2_500);
    expect(r.totalWh).toBe(1_500);
    expect(r.transactions).toEqual({});
    expect(transactionStopped(r, 'CP1', 99, 9_999)).toBe(r);
  });

  it('converts energy units and ignores others', () => {
    expect(energyWh(1.5, 'kWh')).toBe(1500);
    expect(energyWh(7, 'Wh')).toBe(7);
    expect(energyWh(7, 'W')).toBeUndefined();
  });
});

describe('per-minute points', () => {
  const t0 = Date.parse('2024-10-01T00:00:00Z');
  it('sends only the current minute the first time, and every missed minute afterwards', () => {
    expect(minutesToSend(undefined, t0, 1)).toEqual([{ minuteMs: t0, valueKwh: 1 }]);
    expect(minutesToSend(t0, t0 + 180_000, 2).map((p) => p.minuteMs)).toEqual([t0 + 60_000, t0 + 120_000, t0 + 180_000]);
    expect(minutesToSend(t0, t0, 2)).toEqual([]);
    expect(minutesToSend(t0, t0 + 60_000, 2, 5)[0].valueKwh).toBe(5);
  });

  it('summarises a long catch-up keeping the first and newest points', () => {
    const points = Array.from({ length: 1000 }, (_, i) => i);
    const kept = summarisePoints(points, 60);
    expect(kept).toHaveLength(60);
    expect(kept[0]).toBe(0);
    expect(kept[59]).toBe(999);
    expect(summarisePoints([1, 2, 3], 60)).toEqual([1, 2, 3]);
  });

  it('makes a series non-decreasing', () => {
    expect(monotonic([{ minuteMs: 1, valueKwh: 3 }, { minuteMs: 2, valueKwh: 2 }], 1).map((p) => p.valueKwh)).toEqual([3, 3]);
  });
});
