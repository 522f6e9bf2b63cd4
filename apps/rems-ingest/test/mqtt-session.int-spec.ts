import { eventually, testServers, uniqueSuffix } from '@cpo/testing';
import mqtt from 'mqtt';
import pg from 'pg';
import { startRems, V1, type RemsTestApp } from './fixture.js';

describe('rems-ingest MQTT persistent session', () => {
  const apps: RemsTestApp[] = [];
  afterAll(async () => {
    for (const app of apps) await app.close().catch(() => undefined);
  });

  it('receives QoS 1 meter messages published while it was down', async () => {
    const env = { MQTT_CLIENT_ID: `rems-session-${uniqueSuffix()}`, REMS_MQTT_TOPIC_ROOT: `/t_${uniqueSuffix()}/rems` };
    const first = await startRems(env);
    await first.close();

    const payload = JSON.stringify({ transceiverId: 'MATAwhileaway', port: 0, data: V1 });
    const rtu = await mqtt.connectAsync(testServers.mqtt, { clientId: `rtu-away-${uniqueSuffix()}`, protocolVersion: 4 });
    try {
      await rtu.publishAsync(`${env.REMS_MQTT_TOPIC_ROOT}/mqtt3/meter`, payload, { qos: 1 });
    } finally {
      await rtu.endAsync();
    }

    const second = await startRems(env);
    apps.push(second);
    const db = new pg.Client({ connectionString: second.config.DATABASE_URL });
    await db.connect();
    try {
      // The new instance has a fresh database, so the device is unknown there: the message shows up quarantined.
      const arrived = await eventually(async () => (await db.query(`SELECT 1 FROM rejected_message WHERE payload = $1`, [payload])).rowCount === 1);
      expect(arrived).toBe(true);
    } finally {
      await db.end();
    }
  });
});
