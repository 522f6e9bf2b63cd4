import { eventually, uniqueSuffix } from '@cpo/testing';
import mqtt, { type MqttClient } from 'mqtt';
import pg from 'pg';
import pino from 'pino';
import { startEmbeddedBroker, type EmbeddedBroker } from '../src/mqtt/embedded-broker.js';
import { startRems, V1, type RemsTestApp } from './fixture.js';

/** The single-box demo mode: an in-process broker instead of Mosquitto (REMS_MQTT_EMBEDDED_BROKER_PORT). */
describe('rems-ingest with the embedded MQTT broker', () => {
  let broker: EmbeddedBroker;
  let t: RemsTestApp;
  let device: MqttClient;
  beforeAll(async () => {
    broker = await startEmbeddedBroker(0, '127.0.0.1', pino({ level: 'silent' }));
    t = await startRems({ REMS_MQTT_EMBEDDED_BROKER_PORT: String(broker.port), MQTT_URL: `mqtt://127.0.0.1:${broker.port}` });
  });
  afterAll(async () => {
    await device?.endAsync();
    await t?.close();
    await broker?.close();
  });

  it('ingests MQTT 3.1.1 meter messages and delivers commands, with no other broker involved', async () => {
    const d = await t.provision({ modules: { 0: 'SOLAR_PV_SINGLE' } });
    const { tokens } = await t.connect(d);
    device = await mqtt.connectAsync(`mqtt://127.0.0.1:${broker.port}`, { clientId: `rtu-${uniqueSuffix()}`, protocolVersion: 4 });
    const commands: string[] = [];
    device.on('message', (_topic, payload) => commands.push(payload.toString()));
    await device.subscribeAsync(`${t.topicRoot}/mqtt3/device/${d.tenantAlias}/${d.serialId}`, { qos: 1 });

    await device.publishAsync(`${t.topicRoot}/mqtt3/meter`, JSON.stringify({ transceiverId: d.transceiverId, port: 0, data: V1 }), { qos: 1 });
    const db = new pg.Client({ connectionString: t.config.DATABASE_URL });
    await db.connect();
    try {
      expect(await eventually(async () => (await db.query(`SELECT 1 FROM raw_frame WHERE transceiver_id = $1 AND channel = 'mqtt3' AND kind = 'reading'`, [d.transceiverId])).rowCount === 1)).toBe(true);
    } finally {
      await db.end();
    }

    const created = await t.call('POST', '/api/v1/device/firmware/direct-process', { token: tokens.accessToken, body: { type: 'RESTART' } });
    expect(created.status).toBe(200);
    expect(await eventually(() => commands.length === 1)).toBe(true);
    expect(JSON.parse(commands[0])).toMatchObject({ id: created.body.data.id, type: 'RESTART', status: 'REQUESTED' });
    expect((await fetch(`${t.baseUrl}/health/ready`)).status).toBe(200);
  });
});
