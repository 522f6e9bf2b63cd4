import { ChargePoint16 } from '@cpo/ocpp-chargepoint';
import { api, send, startOcpp, uniqueStation, type OcppHarness } from './harness.js';

/** The charger-initiated messages of the 1.6 security extension (Security Whitepaper ed. 3). */
describe('OCPP security extension: charger-initiated messages', () => {
  /** Default settings (OCPP_SIGN_CERTIFICATE=reject); a test that needs others starts its own. */
  let h: OcppHarness;
  const harnesses: OcppHarness[] = [];
  const chargers: ChargePoint16[] = [];
  beforeAll(async () => {
    h = await startOcpp();
    harnesses.push(h);
  });
  afterEach(async () => {
    await Promise.all(chargers.splice(0).map((c) => c.stop()));
  });
  afterAll(async () => {
    await Promise.all(harnesses.map((h) => h.close()));
  });

  async function booted(h: OcppHarness): Promise<ChargePoint16> {
    const cp = new ChargePoint16({ identity: uniqueStation(), url: h.wsUrl, reconnect: false });
    chargers.push(cp);
    void cp.start();
    await cp.waitOpen();
    expect((await send(cp, 'BootNotification', { chargePointVendor: 'Acme', chargePointModel: 'S1' })).status).toBe('Accepted');
    return cp;
  }

  it('stores security events, log and signed-firmware progress, and refuses CSRs without a CA (kept for the operator)', async () => {
    const cp = await booted(h);
    const at = '2026-12-05T06:00:00.000Z';
    expect(await send(cp, 'SecurityEventNotification', { type: 'TamperDetectionActivated', timestamp: at, techInfo: 'lid opened' })).toEqual({});
    expect(await send(cp, 'SecurityEventNotification', { type: 'VendorDoorAjar', timestamp: at })).toEqual({});
    expect(await send(cp, 'LogStatusNotification', { status: 'Uploading', requestId: 7 })).toEqual({});
    expect(await send(cp, 'SignedFirmwareStatusNotification', { status: 'SignatureVerified', requestId: 8 })).toEqual({});
    expect(await send(cp, 'SignCertificate', { csr: '-----BEGIN CERTIFICATE REQUEST-----\nMIIB\n-----END CERTIFICATE REQUEST-----' })).toEqual({ status: 'Rejected' });

    const station = (await api(h, 'GET', `/api/v1/stations/${cp.identity}`)).body;
    expect(station).toMatchObject({ log_status: 'Uploading', firmware_status: 'SignatureVerified' });
    const events = (await api(h, 'GET', `/api/v1/stations/${cp.identity}/messages?kind=SecurityEventNotification`)).body;
    expect(events.map((m: { payload: { type: string } }) => m.payload.type)).toEqual(['VendorDoorAjar', 'TamperDetectionActivated']);
    expect(events[1].payload).toEqual({ type: 'TamperDetectionActivated', timestamp: at, techInfo: 'lid opened' });
    const kinds = (await api(h, 'GET', `/api/v1/stations/${cp.identity}/messages`)).body.map((m: { kind: string }) => m.kind);
    expect(kinds).toEqual(['SignCertificate', 'SignedFirmwareStatusNotification', 'LogStatusNotification', 'SecurityEventNotification', 'SecurityEventNotification']);
    expect((await api(h, 'GET', `/api/v1/stations/${cp.identity}/messages?limit=0`)).status).toBe(400);

    const metrics = await fetch(`${h.app.baseUrl}/metrics`).then((r) => r.text());
    expect(metrics).toMatch(/ocpp_security_events_total\{type="TamperDetectionActivated",critical="true"[^}]*\} 1\n/);
    expect(metrics).toMatch(/ocpp_security_events_total\{type="other",critical="false"[^}]*\} 1\n/);
  });

  it('lets a Pending station send what an ExtendedTriggerMessage asked for, and nothing else', async () => {
    const id = uniqueStation('PEND');
    await api(h, 'PUT', `/api/v1/stations/${id}`, { registrationStatus: 'Pending' });
    const cp = new ChargePoint16({ identity: id, url: h.wsUrl, reconnect: false });
    chargers.push(cp);
    cp.handle('ExtendedTriggerMessage', () => ({ status: 'Accepted' }));
    void cp.start();
    await cp.waitOpen();
    expect((await send(cp, 'BootNotification', { chargePointVendor: 'Acme', chargePointModel: 'S1' })).status).toBe('Pending');
    const csr = { csr: '-----BEGIN CERTIFICATE REQUEST-----\nMIID\n-----END CERTIFICATE REQUEST-----' };
    expect(await cp.call('SignCertificate', csr)).toMatchObject({ code: 'SecurityError' });
    expect((await api(h, 'POST', `/api/v1/stations/${id}/commands/ExtendedTriggerMessage`, { requestedMessage: 'SignChargePointCertificate' })).body).toEqual({ status: 'ok', payload: { status: 'Accepted' } });
    expect(await send(cp, 'SignCertificate', csr)).toEqual({ status: 'Rejected' });
    expect(await cp.call('LogStatusNotification', { status: 'Idle' })).toMatchObject({ code: 'SecurityError' });
  });

  it('accepts a CSR for manual signing when so configured', async () => {
    const manual = await startOcpp({ OCPP_SIGN_CERTIFICATE: 'manual' });
    harnesses.push(manual);
    const cp = await booted(manual);
    const csr = '-----BEGIN CERTIFICATE REQUEST-----\nMIIC\n-----END CERTIFICATE REQUEST-----';
    expect(await send(cp, 'SignCertificate', { csr })).toEqual({ status: 'Accepted' });
    const [kept] = (await api(manual, 'GET', `/api/v1/stations/${cp.identity}/messages?kind=SignCertificate`)).body;
    expect(kept.payload).toEqual({ csr });
  });
});
