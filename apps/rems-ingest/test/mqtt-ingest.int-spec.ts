import { Subjects, validateEvent } from '@cpo/contracts';
import { eventually, testServers } from '@cpo/testing';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import mqtt, { type MqttClient } from 'mqtt';
import pg from 'pg';
import { startRems, V1, V4, type RemsTestApp } from './fixture.js';

describe('rems-ingest MQTT meter ingest through Mosquitto', () => {
  let t: RemsTestApp;
  let db: pg.Client;
  let nc: NatsConnection;
  const clients: MqttClient[] = [];

  beforeAll(async () => {
    t = await startRems();
    db = new pg.Client({ connectionString: t.config.DATABASE_URL });
    await db.connect();
    nc = await connect({ servers: testServers.nats });
  });
  afterAll(async () => {
    await Promise.all(clients.map((c) => c.endAsync()));
    await nc?.close();
    await db?.end();
    await t?.close();
  });

  async function device(version: 3 | 5): Promise<MqttClient> {
    const client = await mqtt.connectAsync(testServers.mqtt, { clientId: `rtu-${version}-${Date.now()}-${clients.length}`, protocolVersion: version === 3 ? 4 : 5 });
    clients.push(client);
    return client;
  }
  const topic = (version: 3 | 5) => `${t.topicRoot}/mqtt${version}/meter`;
  const count = async (sql: string, params: unknown[]) => (await db.query(sql, params)).rows[0].n as number;

  it.each([3, 5] as const)('MQTT %i: stores, decodes and publishes rems.measurement.decoded', async (version) => {
    const d = await t.provision({ modules: { 0: 'SOLAR_PV_SINGLE' } });
    await t.connect(d);
    const client = await device(version);
    await client.publishAsync(topic(version), JSON.stringify({ transceiverId: d.transceiverId, port: 0, data: V1 }), { qos: 1 });
    await client.publishAsync(topic(version), JSON.stringify({ transceiverId: d.transceiverId, data: V4 }), { qos: 1 });
    expect(await eventually(async () => (await count(`SELECT count(*)::int n FROM raw_frame WHERE transceiver_id = $1`, [d.transceiverId])) === 2)).toBe(true);
    const rows = await db.query(`SELECT channel, port, kind, flags FROM raw_frame WHERE transceiver_id = $1 ORDER BY id`, [d.transceiverId]);
    expect(rows.rows.map((r) => [r.channel, r.port, r.kind])).toEqual([
      [`mqtt${version}`, 0, 'reading'],
      [`mqtt${version}`, 0, 'reading'],
    ]);

    const jsm = await jetstreamManager(nc);
    const stream = `${t.prefix}_REMS`;
    const published = await eventually(async () => {
      const info = await jsm.streams.info(stream).catch(() => undefined);
      return info !== undefined && info.state.messages >= 2;
    });
    expect(published).toBe(true);
    const events = await db.query(`SELECT payload, published_at FROM outbox_events WHERE subject = $1 AND payload->>'transceiverId' = $2`, [Subjects.RemsMeasurementDecoded, d.transceiverId]);
    expect(events.rows).toHaveLength(2);
    for (const e of events.rows) expect(validateEvent(Subjects.RemsMeasurementDecoded, 1, e.payload).ok).toBe(true);
    // The two messages are handled concurrently: look the V1 event up rather than rely on order.
    expect(events.rows.map((e) => e.payload)).toContainEqual(expect.objectContaining({ source: 'mqtt', port: 0, cumulativeWh: 1_000_000 }));
    expect(await eventually(async () => (await count(`SELECT count(*)::int n FROM outbox_events WHERE payload->>'transceiverId' = $1 AND published_at IS NOT NULL`, [d.transceiverId])) === 2)).toBe(true);
  });

  it('quarantines every bad message with its reason and counts it; drops QoS 1 duplicates', async () => {
    const active = await t.provision();
    await t.connect(active);
    const inactive = await t.provision();
    const client = await device(5);
    const bad: [string, string][] = [
      ['not json', 'malformed_payload'],
      [JSON.stringify({ port: 0, data: V1 }), 'malformed_payload'],
      [JSON.stringify({ transceiverId: active.transceiverId, port: -1, data: V1 }), 'malformed_payload'],
      [JSON.stringify({ transceiverId: active.transceiverId, data: '14010' }), 'invalid_meter_data'],
      [JSON.stringify({ transceiverId: active.transceiverId, data: 'zz' }), 'invalid_meter_data'],
      [JSON.stringify({ transceiverId: active.transceiverId, data: '' }), 'invalid_meter_data'],
      [JSON.stringify({ transceiverId: 'MATAdoesnotexist', data: V1 }), 'unknown_transceiver'],
      [JSON.stringify({ transceiverId: inactive.transceiverId, data: V1 }), 'inactive_transceiver'],
    ];
    for (const [payload] of bad) await client.publishAsync(topic(5), payload, { qos: 1 });
    const huge = JSON.stringify({ transceiverId: active.transceiverId, data: '14'.repeat(40_000) });
    await client.publishAsync(topic(5), huge, { qos: 1 });
    const good = JSON.stringify({ transceiverId: active.transceiverId, port: 0, data: V1 });
    for (let i = 0; i < 3; i++) await client.publishAsync(topic(5), good, { qos: 1 });
    // A different frame from the same device is not a duplicate.
    await client.publishAsync(topic(5), JSON.stringify({ transceiverId: active.transceiverId, port: 0, data: `15${V1.slice(2)}` }), { qos: 1 });

    expect(await eventually(async () => (await count(`SELECT count(*)::int n FROM rejected_message WHERE topic = $1`, [topic(5)])) >= bad.length)).toBe(true);
    expect(await eventually(async () => (await count(`SELECT count(*)::int n FROM rejected_message WHERE topic = $1`, [topic(5)])) === bad.length + 1)).toBe(true);
    const rejected = await db.query(`SELECT reason, payload, channel FROM rejected_message WHERE topic = $1 ORDER BY id`, [topic(5)]);
    // Messages are handled concurrently, so the quarantine order is not the publish order.
    expect(rejected.rows.filter((r) => r.reason !== 'payload_too_large')).toHaveLength(bad.length);
    expect(rejected.rows.map((r) => [r.payload, r.reason])).toEqual(expect.arrayContaining(bad));
    expect(rejected.rows.every((r) => r.channel === 'mqtt5')).toBe(true);
    expect(await eventually(async () => (await count(`SELECT count(*)::int n FROM rejected_message WHERE reason = 'payload_too_large' AND length(payload) = 65536`, [])) === 1)).toBe(true);

    expect(await eventually(async () => (await count(`SELECT count(*)::int n FROM raw_frame WHERE transceiver_id = $1`, [active.transceiverId])) === 2)).toBe(true);
    const kinds = await db.query(`SELECT kind FROM raw_frame WHERE transceiver_id = $1 ORDER BY id`, [active.transceiverId]);
    expect(kinds.rows.map((r) => r.kind).sort()).toEqual(['not_rems', 'reading']);

    // Once committed, a copy is recognised through the Redis window (no copy is in process any more).
    const scrape = async () => (await fetch(`${t.baseUrl}/metrics`)).text();
    await client.publishAsync(topic(5), good, { qos: 1 });
    expect(await eventually(async () => /rems_mqtt_duplicates_total(\{[^}]*\})? 3/.test(await scrape()))).toBe(true);
    expect(await count(`SELECT count(*)::int n FROM raw_frame WHERE transceiver_id = $1`, [active.transceiverId])).toBe(2);

    const metrics = await scrape();
    expect(metrics).toMatch(/rems_messages_rejected_total\{[^}]*reason="malformed_payload"[^}]*\} 3/);
    expect(metrics).toMatch(/rems_messages_rejected_total\{[^}]*reason="unknown_transceiver"[^}]*\} 1/);

    const view = await fetch(`${t.baseUrl}/api/v1/rems/rejected?limit=100`, { headers: { 'x-api-key': 'test-operator-key-0123456789' } });
    const listed = (await view.json()) as { reason: string; topic: string }[];
    expect(listed.filter((r) => r.topic === topic(5)).map((r) => r.reason).sort()).toEqual([...bad.map(([, reason]) => reason), 'payload_too_large'].sort());
  });

  it('shows each MQTT client of the service as connected in rems_mqtt_connected', async () => {
    const metrics = await (await fetch(`${t.baseUrl}/metrics`)).text();
    const broker = new URL(testServers.mqtt).host;
    const connected = (client: string) => metrics.split('\n').find((l) => l.startsWith('rems_mqtt_connected{') && l.includes(`client="${client}"`));
    for (const client of ['commands', ...Array.from({ length: t.config.REMS_MQTT_CONNECTIONS }, (_, i) => `meter-${i}`)]) {
      expect(connected(client)).toMatch(/ 1$/);
      expect(connected(client)).toContain(`broker="${broker}"`);
    }
  });

  it("publishes a command on the prefix of the device's MQTT version, and on both for a device never seen on MQTT", async () => {
    const received = async (d: { tenantAlias: string; serialId: string }) => {
      const rtu = await device(5);
      const got: string[] = [];
      rtu.on('message', (topic) => got.push(topic.slice(t.topicRoot.length + 1).split('/')[0]));
      await rtu.subscribeAsync([3, 5].map((v) => `${t.topicRoot}/mqtt${v}/device/${d.tenantAlias}/${d.serialId}`), { qos: 1 });
      return got;
    };
    const onMqtt5 = await t.provision({ modules: { 0: 'SOLAR_PV_SINGLE' } });
    const httpOnly = await t.provision({ modules: { 0: 'SOLAR_PV_SINGLE' } });
    const tokens5 = (await t.connect(onMqtt5)).tokens;
    const tokensHttp = (await t.connect(httpOnly)).tokens;
    await (await device(5)).publishAsync(topic(5), JSON.stringify({ transceiverId: onMqtt5.transceiverId, port: 0, data: V1 }), { qos: 1 });
    expect(await eventually(async () => (await count(`SELECT count(*)::int n FROM raw_frame WHERE transceiver_id = $1`, [onMqtt5.transceiverId])) === 1)).toBe(true);

    const got5 = await received(onMqtt5);
    const gotHttp = await received(httpOnly);
    for (const token of [tokens5.accessToken, tokensHttp.accessToken]) {
      expect((await t.call('POST', '/api/v1/device/firmware/direct-process', { token, body: { type: 'RESTART' } })).status).toBe(200);
    }
    expect(await eventually(() => got5.length >= 1 && gotHttp.length >= 2)).toBe(true);
    await new Promise((r) => setTimeout(r, 300));
    expect(got5).toEqual(['mqtt5']);
    expect(gotHttp.sort()).toEqual(['mqtt3', 'mqtt5']);
  });

  it('listens only to its own meter topics', async () => {
    const d = await t.provision();
    await t.connect(d);
    const client = await device(3);
    await client.publishAsync(`${t.topicRoot}/mqtt4/meter`, JSON.stringify({ transceiverId: d.transceiverId, data: V1 }), { qos: 1 });
    await client.publishAsync(topic(3), JSON.stringify({ transceiverId: d.transceiverId, data: V1 }), { qos: 1 });
    expect(await eventually(async () => (await count(`SELECT count(*)::int n FROM raw_frame WHERE transceiver_id = $1`, [d.transceiverId])) === 1)).toBe(true);
    const channels = await db.query(`SELECT channel FROM raw_frame WHERE transceiver_id = $1`, [d.transceiverId]);
    expect(channels.rows).toEqual([{ channel: 'mqtt3' }]);
  });
});
