import { sampledDataChange } from './measurands.js';

const key = (k: string, value?: string, readonly = false) => ({ key: k, value, readonly });

describe('sampledDataChange', () => {
  it('extends the list up to MeterValuesSampledDataMaxLength', () => {
    expect(sampledDataChange([key('MeterValuesSampledData', 'Energy.Active.Import.Register'), key('MeterValuesSampledDataMaxLength', '3')])).toBe(
      'Energy.Active.Import.Register,Power.Active.Import,Current.Import',
    );
  });

  it('never sends an empty list, whatever MaxLength says', () => {
    for (const max of ['abc', '0', '', '-2', '2.5']) {
      const change = sampledDataChange([key('MeterValuesSampledData', ''), key('MeterValuesSampledDataMaxLength', max)]);
      expect(change).toBe('Energy.Active.Import.Register');
    }
  });

  it('assumes one item when MaxLength is absent, but keeps as many as the charger holds', () => {
    expect(sampledDataChange([key('MeterValuesSampledData', 'Voltage')])).toBe('Energy.Active.Import.Register');
    expect(sampledDataChange([key('MeterValuesSampledData', 'Energy.Active.Import.Register')])).toBeUndefined();
    expect(sampledDataChange([key('MeterValuesSampledData', '')])).toBe('Energy.Active.Import.Register');
    expect(sampledDataChange([key('MeterValuesSampledData', 'Voltage,Temperature')])).toBe('Energy.Active.Import.Register,Power.Active.Import');
  });

  it('reads the keys case-insensitively (CiString)', () => {
    expect(sampledDataChange([key('metervaluessampleddata', 'Energy.Active.Import.Register'), key('METERVALUESSAMPLEDDATAMAXLENGTH', '2')])).toBe(
      'Energy.Active.Import.Register,Power.Active.Import',
    );
  });

  it('leaves a read-only or absent key, or a list already right, alone', () => {
    expect(sampledDataChange([key('MeterValuesSampledData', 'Voltage', true)])).toBeUndefined();
    expect(sampledDataChange([key('MeterValuesSampledDataMaxLength', '5')])).toBeUndefined();
    expect(sampledDataChange([key('MeterValuesSampledData', 'Energy.Active.Import.Register,Power.Active.Import'), key('MeterValuesSampledDataMaxLength', '2')])).toBeUndefined();
  });
});
