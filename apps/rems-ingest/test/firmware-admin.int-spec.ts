import ExcelJS from 'exceljs';
import mqtt from 'mqtt';
import { testServers } from '@cpo/testing';
import { OPERATOR_KEY, startRems, type Json, type RemsTestApp } from './fixture.js';

describe('rems-ingest firmware updates and the operator API', () => {
  let t: RemsTestApp;
  beforeAll(async () => {
    t = await startRems();
  });
  afterAll(() => t?.close());

  async function withFirmware() {
    const tenantAlias = `fw${Date.now().toString(36)}${Math.floor(Math.random() * 1e6)}`;
    await t.operator('tenants', { alias: tenantAlias, name: 'Firmware tenant' });
    const trModel = await t.operator('device-models', { tenantAlias, name: 'RTU-1', deviceModelType: 'TRANSCEIVER' });
    const modModel = await t.operator('device-models', { tenantAlias, name: 'INV-1', deviceModelType: 'MODULE' });
    await t.operator(`device-models/${trModel.id}/firmware`, { version: 'v1.0.0', url: 'https://fw.example/rtu-1.0.0.bin' });
    await t.operator(`device-models/${trModel.id}/firmware`, { version: 'v1.1.1', url: 'https://fw.example/rtu-1.1.1.bin' });
    await t.operator(`device-models/${modModel.id}/firmware`, { version: 'v2.0.0', url: 'https://fw.example/inv-2.0.0.bin' });
    const serialId = `IMEI${Date.now().toString(36)}`;
    const { transceiverId } = await t.operator('transceivers', { tenantAlias, serialId, modelId: trModel.id, installedVersion: 'v1.0.0' });
    for (const port of [0, 2]) await t.operator(`transceivers/${transceiverId}/modules`, { port, moduleType: 'SOLAR_PV_SINGLE', modelId: modModel.id, installedVersion: 'v2.0.0' });
    await t.operator(`transceivers/${transceiverId}/modules`, { port: 1, moduleType: 'SOLAR_PV_SINGLE', modelId: modModel.id, installedVersion: 'v1.0.0' });
    const device = { tenantAlias, serialId, transceiverId };
    const { tokens } = await t.connect(device);
    return { device, token: tokens.accessToken };
  }

  it('check lists outdated targets as UPDATE commands, idempotently; GET/POST update completes and records the version', async () => {
    const { device, token } = await withFirmware();
    const check = await t.call('POST', '/api/v1/device/firmware/check', { token, body: {} });
    expect(check.status).toBe(200);
    expect(check.body.data).toEqual([
      { id: expect.stringMatching(/^[0-9a-f]{24}$/), version: 'v1.1.1', type: 'TRANSCEIVER', url: 'https://fw.example/rtu-1.1.1.bin' },
      { id: expect.any(String), version: 'v2.0.0', type: 'MODULE', port: 1, url: 'https://fw.example/inv-2.0.0.bin' },
    ]);
    const again = await t.call('POST', '/api/v1/device/firmware/check', { token, body: { type: 'ALL' } });
    expect(again.body.data.map((u: { id: string }) => u.id)).toEqual(check.body.data.map((u: { id: string }) => u.id));
    const onlyPort2 = await t.call('POST', '/api/v1/device/firmware/check', { token, body: { type: 'MODULE', port: 2 } });
    expect(onlyPort2.status).toBe(200);
    expect(onlyPort2.body).toEqual({ error: { error: true, status: 200, errorType: 'NOT_NEED_UPDATE', message: expect.any(String), fieldError: {} } });

    const [trUpdate] = check.body.data;
    const got = await t.call('GET', `/api/v1/device/firmware/update/${trUpdate.id}`, { token });
    expect(got.body).toEqual({ data: trUpdate });
    const pending = await t.call('GET', '/api/v1/device/process', { token });
    expect(pending.body.data.data.find((c: { id: string }) => c.id === trUpdate.id)).toMatchObject({ type: 'UPDATE', version: 'v1.1.1', url: trUpdate.url, status: 'REQUESTED' });
    expect((await t.call('POST', `/api/v1/device/firmware/update/${trUpdate.id}`, { token })).body).toEqual({ data: true });
    // 5.9 and 5.11 COMPLETED are equivalent: the second is an idempotent true.
    expect((await t.call('POST', '/api/v1/device/firmware/process', { token, body: { id: trUpdate.id, status: 'COMPLETED' } })).body).toEqual({ data: true });
    const view = await t.operator(`transceivers/${device.transceiverId}`);
    expect(view.installedVersion).toBe('v1.1.1');

    const modUpdate = check.body.data[1];
    expect((await t.call('POST', '/api/v1/device/firmware/process', { token, body: { id: modUpdate.id, status: 'PROCESSING' } })).body).toEqual({ data: true });
    expect((await t.call('POST', '/api/v1/device/firmware/process', { token, body: { id: modUpdate.id, status: 'COMPLETED' } })).body).toEqual({ data: true });
    const final = await t.call('POST', '/api/v1/device/firmware/check', { token, body: {} });
    expect(final.body.error.errorType).toBe('NOT_NEED_UPDATE');
    expect((await t.operator(`transceivers/${device.transceiverId}`)).modules.map((m: { installedVersion: string }) => m.installedVersion)).toEqual(['v2.0.0', 'v2.0.0', 'v2.0.0']);
  });

  it('a device without firmware info needs no update', async () => {
    const device = await t.provision();
    const { tokens } = await t.connect(device);
    const check = await t.call('POST', '/api/v1/device/firmware/check', { token: tokens.accessToken, body: {} });
    expect(check.status).toBe(200);
    expect(check.body.error.errorType).toBe('NOT_NEED_UPDATE');
    const update = await t.call('POST', '/api/v1/device/firmware/direct-process', { token: tokens.accessToken, body: { type: 'UPDATE' } });
    expect(update.body.error).toMatchObject({ status: 400, errorType: 'VALIDATION_FAILED' });
  });

  it('direct-process publishes the bare command on both MQTT prefixes, QoS 1, not retained', async () => {
    const device = await t.provision();
    const { tokens } = await t.connect(device);
    const received: { topic: string; payload: unknown; retain: boolean; qos: number }[] = [];
    const listener = await mqtt.connectAsync(testServers.mqtt, { clientId: `cmd-listener-${Date.now()}`, protocolVersion: 5 });
    try {
      listener.on('message', (topic, payload, packet) => received.push({ topic, payload: JSON.parse(payload.toString()), retain: packet.retain, qos: packet.qos }));
      await listener.subscribeAsync(`${t.topicRoot}/+/device/${device.tenantAlias}/${device.serialId}`, { qos: 1 });
      const created = await t.call('POST', '/api/v1/device/firmware/direct-process', { token: tokens.accessToken, body: {} });
      const deadline = Date.now() + 5000;
      while (received.length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      expect(received.map((m) => m.topic).sort()).toEqual([
        `${t.topicRoot}/mqtt3/device/${device.tenantAlias}/${device.serialId}`,
        `${t.topicRoot}/mqtt5/device/${device.tenantAlias}/${device.serialId}`,
      ]);
      for (const m of received) expect(m).toMatchObject({ payload: created.body.data, retain: false, qos: 1 });
    } finally {
      await listener.endAsync();
    }
  });

  it('enforces the 4-module rule on KEA solar transceivers (PORT_OUT_OF_RANGE) but not on others', async () => {
    const kea = await t.provision({ modules: { 0: 'SOLAR_PV_SINGLE', 1: 'SOLAR_PV_SINGLE', 2: 'SOLAR_PV_THREE', 3: 'SOLAR_PV_SINGLE' } });
    const post = (transceiverId: string, body: unknown) =>
      fetch(`${t.baseUrl}/api/v1/rems/transceivers/${transceiverId}/modules`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-api-key': OPERATOR_KEY }, body: JSON.stringify(body) });
    const fifth = await post(kea.transceiverId, { port: 4, moduleType: 'SOLAR_PV_SINGLE' });
    expect(fifth.status).toBe(400);
    expect(await fifth.json()).toMatchObject({ error: 'validation', details: { errorType: 'PORT_OUT_OF_RANGE' } });
    expect((await post(kea.transceiverId, { port: 3, moduleType: 'WIND' })).status).toBe(409);
    const { transceiverId } = await t.operator('transceivers', { tenantAlias: kea.tenantAlias, serialId: `WIND${Date.now()}`, keaSolar: false });
    expect((await post(transceiverId, { port: 7, moduleType: 'WIND' })).status).toBe(201);
    expect((await post(transceiverId, { port: 1, moduleType: 'NOPE' })).status).toBe(400);
  });

  it('imports plants, transceivers and modules from CSV or Excel, all or nothing', async () => {
    const tenantAlias = `csv${Date.now().toString(36)}`;
    await t.operator('tenants', { alias: tenantAlias, name: 'CSV' });
    const upload = (content: string | ArrayBuffer, name = 'plants.csv') => {
      const form = new FormData();
      form.append('file', new Blob([content]), name);
      return fetch(`${t.baseUrl}/api/v1/rems/import`, { method: 'POST', headers: { 'x-api-key': OPERATOR_KEY }, body: form });
    };
    const header = 'tenantAlias,plantName,plantAddress,serialId,transceiverName,keaSolar,port,moduleType,moduleName';
    const good = [header, `${tenantAlias},Plant A,Seoul,S1,RTU 1,true,0,SOLAR_PV_SINGLE,Inv 1`, `${tenantAlias},Plant A,,S1,,,1,SOLAR_PV_THREE,Inv 2`, `${tenantAlias},Plant B,Busan,S2,RTU 2,,,,`].join('\n');
    const res = await upload(good);
    expect(res.status).toBe(201);
    const summary: Json = await res.json();
    expect(summary).toMatchObject({ rows: 3, plants: 2, modules: 2 });
    expect(summary.transceivers.map((x: { serialId: string; created: boolean }) => [x.serialId, x.created])).toEqual([['S1', true], ['S2', true]]);
    const s1 = await t.operator(`transceivers/${summary.transceivers[0].transceiverId}`);
    expect(s1).toMatchObject({ status: 'INACTIVE', keaSolar: true, modules: [{ port: 0, moduleType: 'SOLAR_PV_SINGLE' }, { port: 1, moduleType: 'SOLAR_PV_THREE' }] });
    expect((await t.call('GET', `/api/v1/device/register/${tenantAlias}/S1`)).status).toBe(200);

    const bad = await upload([header, `${tenantAlias},Plant C,,S3,,,0,SOLAR_PV_SINGLE,`, `${tenantAlias},Plant C,,S3,,,4,SOLAR_PV_SINGLE,`].join('\n'));
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ details: { line: 3, errorType: 'PORT_OUT_OF_RANGE' } });
    expect((await t.call('GET', `/api/v1/device/register/${tenantAlias}/S3`)).status).toBe(404);

    const workbook = new ExcelJS.Workbook();
    const sheet = workbook.addWorksheet('transceivers');
    sheet.addRow(header.split(','));
    sheet.addRow([tenantAlias, 'Plant X', 'Daegu', 'X1', 'RTU X', true, 0, 'SOLAR_PV_THREE', 'Inv X']);
    sheet.addRow([tenantAlias, 'Plant X', null, 'X1', null, null, 3, 'SOLAR_PV_SINGLE', null]);
    const xlsx = await upload((await workbook.xlsx.writeBuffer()) as ArrayBuffer, 'plants.xlsx');
    expect(xlsx.status).toBe(201);
    const fromExcel: Json = await xlsx.json();
    expect(fromExcel).toMatchObject({ rows: 2, plants: 1, modules: 2, transceivers: [{ serialId: 'X1', created: true }] });
    expect((await t.operator(`transceivers/${fromExcel.transceivers[0].transceiverId}`)).modules.map((m: Json) => [m.port, m.moduleType])).toEqual([
      [0, 'SOLAR_PV_THREE'],
      [3, 'SOLAR_PV_SINGLE'],
    ]);

    const invalid = await upload([header, `${tenantAlias},,,S4,,,x,SOLAR,`].join('\n'));
    expect(invalid.status).toBe(400);
    expect(await invalid.json()).toMatchObject({ details: { rows: { 'line 2': { plantName: expect.any(String), port: expect.any(String), moduleType: expect.any(String) } } } });
  });
});
