import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ChargePoint16 } from '@cpo/ocpp-chargepoint';
import { request } from 'node:http';
import WebSocket from 'ws';
import { hashPassword } from '../src/stations/password.js';
import { StationRepository } from '../src/stations/station.repository.js';
import { api, RawClient, send, startOcpp, uniqueStation, upgradeStatus, type OcppHarness } from './harness.js';

const basic = (user: string, password: string | Buffer) => ({ authorization: `Basic ${Buffer.concat([Buffer.from(`${user}:`), Buffer.from(password)]).toString('base64')}` });

describe('OCPP connection security and negotiation', () => {
  let h: OcppHarness;
  beforeAll(async () => {
    h = await startOcpp({ OCPP_UNKNOWN_STATION_POLICY: 'reject' });
  });
  afterAll(async () => {
    await h.close();
  });

  it('TC_088: picks ocpp1.6 from the offered list; with nothing acceptable it completes the handshake without the header and closes', async () => {
    const id = uniqueStation();
    await api(h, 'PUT', `/api/v1/stations/${id}`, {});
    const ok = await RawClient.open(`${h.wsUrl}/${id}`, ['ocpp0.1', 'ocpp1.6']);
    expect(ok.ws.protocol).toBe('ocpp1.6');
    ok.close();
    expect(await rawUpgrade(`${h.wsUrl}/${id}`, 'ocpp0.1')).toEqual({ status: 101, protocol: undefined, closeCode: 1002 });
    expect(await rawUpgrade(`${h.wsUrl}/${id}`, undefined)).toEqual({ status: 101, protocol: undefined, closeCode: 1002 });
  });

  it('per-station subprotocol quirks: a known alias is echoed and spoken as 1.6; a missing header is allowed only where set', async () => {
    const id = uniqueStation();
    await api(h, 'PUT', `/api/v1/stations/${id}`, {});
    const url = `${h.wsUrl}/${id}`;
    // Off by default: the alias and a missing header are refused like any unknown offer.
    expect(await rawUpgrade(url, 'ocpp1.6.0')).toEqual({ status: 101, protocol: undefined, closeCode: 1002 });

    expect((await api(h, 'PUT', `/api/v1/stations/${id}`, { subprotocolAliases: { 'ocpp1.6.0': 'ocpp1.6' } })).status).toBe(200);
    const aliased = await RawClient.open(url, ['ocpp1.6.0']);
    expect(aliased.ws.protocol).toBe('ocpp1.6.0');
    expect(await aliased.call('BootNotification', { chargePointVendor: 'Acme', chargePointModel: 'S1' })).toEqual([3, expect.any(String), expect.objectContaining({ status: 'Accepted' })]);
    aliased.close();
    // The standard name still wins when both are offered; another station does not inherit the alias.
    const both = await RawClient.open(url, ['ocpp1.6.0', 'ocpp1.6']);
    expect(both.ws.protocol).toBe('ocpp1.6');
    both.close();
    const other = uniqueStation();
    await api(h, 'PUT', `/api/v1/stations/${other}`, {});
    expect(await rawUpgrade(`${h.wsUrl}/${other}`, 'ocpp1.6.0')).toEqual({ status: 101, protocol: undefined, closeCode: 1002 });
    expect(await rawUpgrade(url, undefined)).toEqual({ status: 101, protocol: undefined, closeCode: 1002 });

    expect((await api(h, 'PUT', `/api/v1/stations/${id}`, { missingSubprotocol: 'ocpp1.6' })).status).toBe(200);
    const bare = await RawClient.open(url, []);
    expect(bare.ws.protocol).toBe('');
    expect(await bare.call('Heartbeat', {})).toEqual([3, expect.any(String), { currentTime: expect.any(String) }]);
    bare.close();
    const station = (await api(h, 'GET', `/api/v1/stations/${id}`)).body;
    expect(station).toMatchObject({ subprotocol_aliases: { 'ocpp1.6.0': 'ocpp1.6' }, missing_subprotocol: 'ocpp1.6' });
    // An unrelated offer is still refused, and the settings clear.
    expect(await rawUpgrade(url, 'ocpp0.1')).toEqual({ status: 101, protocol: undefined, closeCode: 1002 });
    expect((await api(h, 'PUT', `/api/v1/stations/${id}`, { subprotocolAliases: {}, missingSubprotocol: 'none' })).status).toBe(200);
    expect(await rawUpgrade(url, undefined)).toEqual({ status: 101, protocol: undefined, closeCode: 1002 });
    expect(await rawUpgrade(url, 'ocpp1.6.0')).toEqual({ status: 101, protocol: undefined, closeCode: 1002 });

    const bad = await api(h, 'PUT', `/api/v1/stations/${id}`, { subprotocolAliases: { 'ocpp 1.6': 'ocpp1.6' } });
    expect(bad.status).toBe(400);
    expect(JSON.stringify(bad.body)).toContain('not a subprotocol name');
    expect((await api(h, 'PUT', `/api/v1/stations/${id}`, { subprotocolAliases: { x16: 'ocpp2.0.1' } })).status).toBe(400);
    expect((await api(h, 'PUT', `/api/v1/stations/${id}`, { missingSubprotocol: 'ocpp1.5' })).status).toBe(400);
  });

  it('refuses unknown identities with 404 and malformed ones with 400 before the upgrade', async () => {
    expect(await upgradeStatus(`${h.wsUrl}/${uniqueStation('UNKNOWN')}`)).toBe(404);
    expect(await upgradeStatus(`${h.wsUrl}/a:b`)).toBe(400);
    expect(await upgradeStatus(`${h.wsUrl}/${'x'.repeat(49)}`)).toBe(400);
  });

  it('security profile 1: Basic auth with the identity as user; hex text or raw key bytes; key rotation through ChangeConfiguration', async () => {
    const id = uniqueStation();
    const key = '0123456789abcdef0123456789abcdef';
    expect((await api(h, 'PUT', `/api/v1/stations/${id}`, { securityProfile: 1, password: key })).status).toBe(201);
    const url = `${h.wsUrl}/${id}`;
    expect(await upgradeStatus(url)).toBe(401);
    expect(await upgradeStatus(url, 'ocpp1.6', basic(id, 'wrong-password-123'))).toBe(401);
    expect(await upgradeStatus(url, 'ocpp1.6', basic('someone-else', key))).toBe(401);
    expect(await upgradeStatus(url, 'ocpp1.6', basic(id, key))).toBe(101);
    expect(await upgradeStatus(url, 'ocpp1.6', basic(id, key.toUpperCase()))).toBe(101);
    expect(await upgradeStatus(url, 'ocpp1.6', basic(id, Buffer.from(key, 'hex')))).toBe(101);

    const cp = new ChargePoint16({ identity: id, url: h.wsUrl, basicAuthKey: key, reconnect: false });
    cp.handle('ChangeConfiguration', () => ({ status: 'Accepted' }));
    void cp.start();
    await cp.waitOpen();
    try {
      await send(cp, 'BootNotification', { chargePointVendor: 'Acme', chargePointModel: 'S1' });
      const next = 'fedcba9876543210fedcba9876543210';
      const rotated = await api(h, 'POST', `/api/v1/stations/${id}/commands/ChangeConfiguration`, { key: 'AuthorizationKey', value: next });
      expect(rotated.body).toEqual({ status: 'ok', payload: { status: 'Accepted' } });
      expect(await upgradeStatus(url, 'ocpp1.6', basic(id, key))).toBe(401);
      expect(await upgradeStatus(url, 'ocpp1.6', basic(id, next))).toBe(101);
      const station = await api(h, 'GET', `/api/v1/stations/${id}`);
      expect(JSON.stringify(station.body)).not.toContain(next);
    } finally {
      await cp.stop();
    }
  });

  it('refuses a profile-2 station on a plain connection even with the right key', async () => {
    const id = uniqueStation();
    const key = '00112233445566778899aabbccddeeff';
    expect((await api(h, 'PUT', `/api/v1/stations/${id}`, { securityProfile: 2, password: key })).status).toBe(201);
    expect(await upgradeStatus(`${h.wsUrl}/${id}`, 'ocpp1.6', basic(id, key))).toBe(401);
  });

  it('a second connection with the same identity replaces the first', async () => {
    const id = uniqueStation();
    await api(h, 'PUT', `/api/v1/stations/${id}`, {});
    const first = await RawClient.open(`${h.wsUrl}/${id}`);
    const second = await RawClient.open(`${h.wsUrl}/${id}`);
    expect((await first.closed).code).toBe(4000);
    expect(await second.call('BootNotification', { chargePointVendor: 'Acme', chargePointModel: 'S1' })).toEqual([3, expect.any(String), expect.objectContaining({ status: 'Accepted' })]);
    second.close();
  });
});

describe('OCPP security profile 2 (TLS)', () => {
  let dir: string;
  let tls: OcppHarness;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ocpp-tls-'));
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1', '-subj', '/CN=localhost', '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost',
      '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')], { stdio: 'ignore' });
    tls = await startOcpp({ HTTP_TLS_CERT_FILE: join(dir, 'cert.pem'), HTTP_TLS_KEY_FILE: join(dir, 'key.pem'), OCPP_UNKNOWN_STATION_POLICY: 'reject' });
  });
  afterAll(async () => {
    await tls.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('accepts a profile-2 station over wss with Basic auth', async () => {
    const id = uniqueStation();
    const key = 'aabbccddeeff00112233445566778899';
    await tls.app.app.get(StationRepository).upsertSettings(id, { securityProfile: 2, passwordHash: await hashPassword(key) });
    const ca = readFileSync(join(dir, 'cert.pem'));
    const wssUrl = `${tls.wsUrl.replace('ws:', 'wss:')}/${id}`;
    const open = await new Promise<string>((resolve) => {
      const ws = new WebSocket(wssUrl, 'ocpp1.6', { ca, headers: basic(id, key) });
      ws.once('open', () => {
        resolve(ws.protocol);
        ws.terminate();
      });
      ws.once('unexpected-response', (_q, r) => resolve(`HTTP ${r.statusCode}`));
      ws.once('error', (e) => resolve(e.message));
    });
    expect(open).toBe('ocpp1.6');
  });
});

/**
 * A WebSocket upgrade by hand, because the ws client itself refuses a handshake without the
 * subprotocol header: what the server answered, and the close code of its first frame.
 */
function rawUpgrade(url: string, protocols: string | undefined): Promise<{ status: number; protocol?: string; closeCode?: number }> {
  return new Promise((resolve, reject) => {
    const req = request(url.replace('ws:', 'http:'), {
      headers: {
        Connection: 'Upgrade',
        Upgrade: 'websocket',
        'Sec-WebSocket-Version': '13',
        'Sec-WebSocket-Key': Buffer.from('0123456789abcdef').toString('base64'),
        ...(protocols === undefined ? {} : { 'Sec-WebSocket-Protocol': protocols }),
      },
    });
    req.on('upgrade', (res, socket, head: Buffer) => {
      const done = (frame: Buffer) => {
        // A close frame: 0x88, payload length, then the 2-byte status code.
        const closeCode = frame[0] === 0x88 ? frame.readUInt16BE(2) : undefined;
        socket.destroy();
        resolve({ status: res.statusCode ?? 0, protocol: res.headers['sec-websocket-protocol'], closeCode });
      };
      if (head.length > 0) done(head);
      else socket.once('data', done);
    });
    req.on('response', (res) => resolve({ status: res.statusCode ?? 0 }));
    req.on('error', reject);
    req.end();
  });
}
