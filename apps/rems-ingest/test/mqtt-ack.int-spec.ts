import { eventually, testServers, uniqueSuffix } from '@cpo/testing';
import mqtt, { type MqttClient } from 'mqtt';
import pg from 'pg';
import { MqttMeterSubscriber } from '../src/mqtt/meter-subscriber.js';
import type { MeterConnection } from '../src/mqtt/meter-connection.js';
import { startRems, V1 } from './fixture.js';

/** V1 with its lifetime counter replaced, so every frame is distinct (no duplicate-window effects). */
const frameWithCounter = (n: number) => `1401010000015e003204e200dc001a04e203e70258${n.toString(16).padStart(16, '0')}0000`;

async function rtu(): Promise<MqttClient> {
  return mqtt.connectAsync(testServers.mqtt, { clientId: `rtu-ack-${uniqueSuffix()}`, protocolVersion: 5 });
}

/**
 * The PUBACK of a meter message leaves only after its frame is committed: when the commit fails, or
 * the service dies before it, the broker (the real Mosquitto) delivers the message again and the
 * frame is stored exactly once.
 */
describe('rems-ingest MQTT: acknowledged only after commit', () => {
  const cleanups: (() => Promise<unknown>)[] = [];
  afterAll(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
  });

  it('a failed commit is not acknowledged: the broker redelivers and the frame is stored once', async () => {
    const t = await startRems();
    cleanups.push(() => t.close());
    const db = new pg.Client({ connectionString: t.config.DATABASE_URL });
    await db.connect();
    cleanups.push(() => db.end());
    const d = await t.provision({ modules: { 0: 'SOLAR_PV_SINGLE' } });
    await t.connect(d);
    // The first insert into raw_frame fails (sequences are not transactional, so the counter survives the rollback).
    await db.query(`CREATE SEQUENCE test_fail_once;
      CREATE FUNCTION test_fail_once() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN IF nextval('test_fail_once') = 1 THEN RAISE EXCEPTION 'injected failure before commit'; END IF; RETURN NEW; END $$;
      CREATE TRIGGER test_fail_once BEFORE INSERT ON raw_frame FOR EACH ROW EXECUTE FUNCTION test_fail_once();`);

    const client = await rtu();
    cleanups.push(() => client.endAsync());
    await client.publishAsync(`${t.topicRoot}/mqtt5/meter`, JSON.stringify({ transceiverId: d.transceiverId, port: 0, data: V1 }), { qos: 1 });

    const count = async (sql: string) => (await db.query(sql, [d.transceiverId])).rows[0].n as number;
    expect(await eventually(async () => (await count(`SELECT count(*)::int n FROM raw_frame WHERE transceiver_id = $1`)) === 1, 15_000)).toBe(true);
    expect((await db.query(`SELECT last_value::int n FROM test_fail_once`)).rows[0].n).toBeGreaterThanOrEqual(2);
    expect(await count(`SELECT count(*)::int n FROM rejected_message WHERE transceiver_id = $1 OR transceiver_id IS NULL`)).toBe(0);
    // Stays once: the redelivery was the only copy stored, nothing else is still on its way.
    await new Promise((r) => setTimeout(r, 500));
    expect(await count(`SELECT count(*)::int n FROM raw_frame WHERE transceiver_id = $1`)).toBe(1);
    const metrics = await (await fetch(`${t.baseUrl}/metrics`)).text();
    expect(metrics).toMatch(/rems_ingest_failures_total(\{[^}]*\})? [1-9]/);
  });

  it('a crash before the commit loses nothing: the next instance on the same session gets the messages again', async () => {
    const env = { MQTT_CLIENT_ID: `rems-crash-${uniqueSuffix()}`, REMS_MQTT_TOPIC_ROOT: `/t_${uniqueSuffix()}/rems`, REMS_MQTT_CONNECTIONS: '2' };
    const first = await startRems(env);
    cleanups.push(() => first.close());
    const db = new pg.Client({ connectionString: first.config.DATABASE_URL });
    await db.connect();
    cleanups.push(() => db.end());
    const d = await first.provision({ modules: { 0: 'SOLAR_PV_SINGLE' } });
    await first.connect(d);

    // Commits of the first instance wait on a lock we hold: the frames are received, not committed.
    const blocker = new pg.Client({ connectionString: first.config.DATABASE_URL });
    await blocker.connect();
    cleanups.push(() => blocker.end());
    await blocker.query('BEGIN; LOCK TABLE raw_frame IN ACCESS EXCLUSIVE MODE');
    const client = await rtu();
    cleanups.push(() => client.endAsync());
    const frames = 6;
    for (let i = 1; i <= frames; i++) await client.publishAsync(`${env.REMS_MQTT_TOPIC_ROOT}/mqtt3/meter`, JSON.stringify({ transceiverId: d.transceiverId, data: frameWithCounter(i) }), { qos: 1 });
    const waiting = async () => (await db.query(`SELECT count(*)::int n FROM pg_stat_activity WHERE datname = $1 AND wait_event_type = 'Lock'`, [first.database])).rows[0].n as number;
    expect(await eventually(async () => (await waiting()) >= 1)).toBe(true);
    await new Promise((r) => setTimeout(r, 300)); // the rest of the frames join the blocked batches

    // The crash: the MQTT links drop without a DISCONNECT and the open transactions die.
    const connections = (first.app.get(MqttMeterSubscriber) as unknown as { connections: MeterConnection[] }).connections;
    for (const { client: link } of connections) {
      link.options.reconnectPeriod = 0;
      link.stream.destroy();
    }
    await db.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND wait_event_type = 'Lock'`, [first.database]);
    await blocker.query('ROLLBACK');
    expect(Number((await db.query(`SELECT count(*) n FROM raw_frame WHERE transceiver_id = $1`, [d.transceiverId])).rows[0].n)).toBe(0);

    const second = await startRems(env, { replicaOf: first });
    cleanups.push(() => second.close());
    const stored = async () => Number((await db.query(`SELECT count(DISTINCT data_hex) n, count(*) total FROM raw_frame WHERE transceiver_id = $1`, [d.transceiverId])).rows[0].n);
    expect(await eventually(async () => (await stored()) === frames, 15_000)).toBe(true);
    expect(Number((await db.query(`SELECT count(*) n FROM raw_frame WHERE transceiver_id = $1`, [d.transceiverId])).rows[0].n)).toBe(frames);
    expect(Number((await db.query(`SELECT count(*) n FROM rejected_message`)).rows[0].n)).toBe(0);
  });
});
