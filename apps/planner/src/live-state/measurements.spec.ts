import { evCurrentA, powerAndEnergy } from './measurements.js';

const reading = (samples: { measurand: string; value: number; unit: string; phase?: string }[]) =>
  ({ stationId: 'CP', connectorId: 1, timestamp: '2026-11-23T10:00:00Z', samples }) as never;

describe('powerAndEnergy', () => {
  it('converts kW/kWh, sums phases, prefers a total', () => {
    expect(powerAndEnergy(reading([{ measurand: 'Power.Active.Import', value: 7.2, unit: 'kW' }, { measurand: 'Energy.Active.Import.Register', value: 12.5, unit: 'kWh' }]))).toEqual({
      powerW: 7200,
      energyWh: 12500,
    });
    const phases = ['L1', 'L2', 'L3'].map((phase) => ({ measurand: 'Power.Active.Import', value: 2300, unit: 'W', phase }));
    expect(powerAndEnergy(reading(phases))).toEqual({ powerW: 6900, energyWh: undefined });
    expect(powerAndEnergy(reading([...phases, { measurand: 'Power.Active.Import', value: 7000, unit: 'W' }])).powerW).toBe(7000);
    expect(powerAndEnergy(reading([{ measurand: 'SoC', value: 50, unit: 'Percent' }]))).toEqual({ powerW: undefined, energyWh: undefined });
  });
});

describe('powerAndEnergy per phase', () => {
  const power = (value: number, phase?: string) => ({ measurand: 'Power.Active.Import', value, unit: 'W', phase });
  it('sums phase powers reported line-to-neutral (L1-N…), and never takes the neutral conductor for the total', () => {
    expect(powerAndEnergy(reading(['L1-N', 'L2-N', 'L3-N'].map((p) => power(2300, p)))).powerW).toBe(6900);
    expect(powerAndEnergy(reading([power(2300, 'L1'), power(2300, 'L2'), power(2300, 'L3'), power(40, 'N')])).powerW).toBe(6900);
    expect(powerAndEnergy(reading([power(40, 'N')])).powerW).toBeUndefined();
  });

  it('sums per-phase energy registers when the charger sends no total register', () => {
    const register = (value: number, phase?: string) => ({ measurand: 'Energy.Active.Import.Register', value, unit: 'kWh', phase });
    expect(powerAndEnergy(reading(['L1', 'L2', 'L3'].map((p) => register(1.5, p)))).energyWh).toBe(4500);
    expect(powerAndEnergy(reading([...['L1-N', 'L2-N', 'L3-N'].map((p) => register(1.5, p)), register(4.6)])).energyWh).toBe(4600);
  });
});

describe('evCurrentA', () => {
  const current = (value: number, phase?: string, unit = 'A') => ({ measurand: 'Current.Import', value, unit, phase });
  it('takes the highest phase current, so a one-phase EV on a three-phase station keeps its real current', () => {
    expect(evCurrentA([current(15.8, 'L1'), current(0.1, 'L2'), current(0, 'L3')], 3_500)).toBe(15.8);
    expect(evCurrentA([current(12)], 8_000)).toBe(12);
  });

  it('trusts no power-derived current except "nothing drawn", and no current without its unit', () => {
    expect(evCurrentA([{ measurand: 'Power.Active.Import', value: 3_500, unit: 'W' }], 3_500)).toBeUndefined();
    expect(evCurrentA([], 20)).toBe(0);
    expect(evCurrentA([current(12, undefined, 'Wh')], undefined)).toBeUndefined();
    expect(evCurrentA([current(3, 'N')], 7_000)).toBeUndefined();
  });
});
