import { createDatabase, dropDatabase, uniqueSuffix } from '@cpo/testing';
import { DataSource } from 'typeorm';
import { MeterReadings1765100000000 } from '../src/migrations/1765100000000-meter-readings.js';
import { MeterReadingSampleCount1765700000700 } from '../src/migrations/1765700000700-meter-reading-sample-count.js';
import { MeterReadingSentStamp1766000007620 } from '../src/migrations/1766000007620-meter-reading-sent-stamp.js';
import { migrations } from '../src/migrations/index.js';
import { meterReadingsInsert } from '../src/transactions/transaction.repository.js';
import { meterReadingOf } from '../src/transactions/meter-samples.js';

/** The move from a row per sampled value to a row per reading, with rows stored before it and by a previous release during a rollout. */
describe('meter readings migration', () => {
  const database = `ocpp_mig_${uniqueSuffix()}`;
  let db: DataSource;
  // Without the migrations of meter_readings (later ones add columns to it).
  const before = migrations.filter((m) => m !== MeterReadings1765100000000 && m !== MeterReadingSampleCount1765700000700 && m !== MeterReadingSentStamp1766000007620);
  const columns = `station_id, connector_id, transaction_id, sampled_at, measurand, value, raw_value, unit, phase, context, location, format`;
  const oldRows = (at: string) => `
    INSERT INTO meter_values (${columns}) VALUES
      ('CP-1', 1, 7, '${at}', 'Energy.Active.Import.Register', 1500.5, '1500.5', 'Wh', NULL, 'Sample.Periodic', NULL, 'Raw'),
      ('CP-1', 1, 7, '${at}', 'Current.Import', 16, '16', 'A', 'L1', 'Sample.Periodic', 'Outlet', 'Raw')`;

  beforeAll(async () => {
    db = new DataSource({ type: 'postgres', url: await createDatabase(database), migrations: before });
    await db.initialize();
    await db.runMigrations({ transaction: 'each' });
  });
  afterAll(async () => {
    await db?.destroy();
    await dropDatabase(database);
  });

  it('reads old rows and readings as one series of samples, with unique ids, and goes back without losing either', async () => {
    await db.query(oldRows('2026-11-23T10:00:00Z'));
    const runner = db.createQueryRunner();
    try {
      await new MeterReadings1765100000000().up(runner);
      await new MeterReadingSampleCount1765700000700().up(runner);
      await new MeterReadingSentStamp1766000007620().up(runner);
      // This release writes readings; a pod of the previous one still writes rows.
      const { reading } = meterReadingOf('CP-1', 1, 7, {
        timestamp: '2026-11-23T10:01:00Z',
        sampledValue: [{ value: '1620' }, { value: '15.5', measurand: 'Current.Import', unit: 'A', phase: 'L2', location: 'Outlet' }, { value: 'AQID', format: 'SignedData' }],
      }, new Date('2026-11-23T10:01:00Z'));
      const insert = meterReadingsInsert([reading], 1);
      await db.query(insert.sql, insert.params);
      await db.query(oldRows('2026-11-23T10:02:00Z'));

      const samples = await db.query(`SELECT id, sample, sampled_at, measurand, value, raw_value, unit, phase, location, format FROM meter_samples WHERE station_id = 'CP-1' ORDER BY id, sample`);
      expect(samples.map((s: Record<string, unknown>) => [(s.sampled_at as Date).toISOString().slice(11, 16), s.measurand, s.value, s.raw_value, s.unit, s.phase, s.format])).toEqual([
        ['10:00', 'Energy.Active.Import.Register', 1500.5, '1500.5', 'Wh', null, 'Raw'],
        ['10:00', 'Current.Import', 16, '16', 'A', 'L1', 'Raw'],
        ['10:01', 'Energy.Active.Import.Register', 1620, '1620', 'Wh', null, 'Raw'],
        ['10:01', 'Current.Import', 15.5, '15.5', 'A', 'L2', 'Raw'],
        ['10:01', 'Energy.Active.Import.Register', null, 'AQID', 'Wh', null, 'SignedData'],
        ['10:02', 'Energy.Active.Import.Register', 1500.5, '1500.5', 'Wh', null, 'Raw'],
        ['10:02', 'Current.Import', 16, '16', 'A', 'L1', 'Raw'],
      ]);
      expect(samples.slice(2, 5).map((s: { sample: string }) => Number(s.sample))).toEqual([1, 2, 3]);
      const ids = samples.filter((s: { sample: string }) => Number(s.sample) === 1).map((s: { id: string }) => Number(s.id));
      expect(new Set(ids).size).toBe(ids.length);

      await new MeterReadings1765100000000().down(runner);
      const back = await db.query(`SELECT to_char(sampled_at AT TIME ZONE 'UTC', 'HH24:MI') AS t, measurand, raw_value FROM meter_values ORDER BY sampled_at, id`);
      expect(back.map((r: { t: string; raw_value: string }) => `${r.t} ${r.raw_value}`)).toEqual(['10:00 1500.5', '10:00 16', '10:01 1620', '10:01 15.5', '10:01 AQID', '10:02 1500.5', '10:02 16']);
      expect(await db.query(`SELECT to_regclass('meter_readings') AS t, to_regclass('meter_samples') AS v`)).toEqual([{ t: null, v: null }]);
      await db.query(oldRows('2026-11-23T10:03:00Z')); // the sequence survived the drop
    } finally {
      await runner.release();
    }
  });
});
