import { ocppDataTransferSubject, OcppDataTransferRequestV1, parseRequestPayload, type OcppDataTransferReply, type OcppDataTransferRequest } from '@cpo/contracts';
import { ChargePoint16 } from '@cpo/ocpp-chargepoint';
import { testServers } from '@cpo/testing';
import { connect, type Msg, type NatsConnection } from '@nats-io/transport-node';
import { api, send, startOcpp, uniqueStation, type OcppHarness } from './harness.js';

const PLUGIN_TIMEOUT_MS = 400;

/** Charger DataTransfer routed by vendor to plug-ins on the bus (guide §2.1: route by vendorId to registered plug-ins). */
describe('vendor DataTransfer plug-ins', () => {
  let h: OcppHarness;
  let plugins: NatsConnection;
  /** Every request a plug-in received, as the contract parses it. */
  const asked: OcppDataTransferRequest[] = [];
  const chargers: ChargePoint16[] = [];

  /** A plug-in for one vendor: answers with `answer(request)`, or stays silent when it returns undefined. */
  function plugin(vendorId: string, answer: (req: OcppDataTransferRequest) => unknown): void {
    plugins.subscribe(`${h.app.prefix}.${ocppDataTransferSubject(vendorId)}`, {
      callback: (_err, msg: Msg) => {
        const parsed = parseRequestPayload(OcppDataTransferRequestV1, JSON.parse(new TextDecoder().decode(msg.data)));
        if (!parsed.ok) throw new Error(`the ocpp service sent a request outside the contract: ${parsed.reason}`);
        asked.push(parsed.value);
        const reply = answer(parsed.value);
        if (reply !== undefined) msg.respond(JSON.stringify(reply));
      },
    });
  }

  beforeAll(async () => {
    h = await startOcpp({ OCPP_DATA_TRANSFER_TIMEOUT_MS: String(PLUGIN_TIMEOUT_MS) });
    plugins = await connect({ servers: testServers.nats });
    plugin('com.example.meter', (req): OcppDataTransferReply =>
      req.messageId === 'Ping' ? { status: 'Accepted', data: `pong:${req.data ?? ''}` } : { status: 'UnknownMessageId' },
    );
    plugin('com.example.silent', () => undefined);
    plugin('com.example.broken', () => ({ status: 'Maybe' }));
    await plugins.flush();
  });
  afterEach(async () => {
    await Promise.all(chargers.splice(0).map((c) => c.stop()));
  });
  afterAll(async () => {
    await plugins.close();
    await h.close();
  });

  async function booted(): Promise<ChargePoint16> {
    const cp = new ChargePoint16({ identity: uniqueStation(), url: h.wsUrl, reconnect: false });
    chargers.push(cp);
    void cp.start();
    await cp.waitOpen();
    expect((await send(cp, 'BootNotification', { chargePointVendor: 'Acme', chargePointModel: 'S1' })).status).toBe('Accepted');
    return cp;
  }

  async function stored(stationId: string): Promise<Record<string, unknown>[]> {
    const res = await api(h, 'GET', `/api/v1/stations/${stationId}/messages?kind=DataTransfer`);
    expect(res.status).toBe(200);
    return (res.body.items as { payload: Record<string, unknown> }[]).map((m) => m.payload);
  }

  it("answers with the vendor's plug-in, whatever the vendor id's case (CiString), and keeps message and answer", async () => {
    const cp = await booted();
    const before = Date.now();
    expect(await send(cp, 'DataTransfer', { vendorId: 'COM.Example.Meter', messageId: 'Ping', data: '42' })).toEqual({ status: 'Accepted', data: 'pong:42' });
    expect(await send(cp, 'DataTransfer', { vendorId: 'com.example.meter', messageId: 'Firmware' })).toEqual({ status: 'UnknownMessageId' });

    const mine = asked.filter((r) => r.stationId === cp.identity);
    expect(mine).toHaveLength(2);
    expect(mine[0]).toMatchObject({ stationId: cp.identity, vendorId: 'COM.Example.Meter', messageId: 'Ping', data: '42' });
    expect(Date.parse(mine[0]!.receivedAt)).toBeGreaterThanOrEqual(before - 1000);
    expect(mine[1]).not.toHaveProperty('data');

    expect(await stored(cp.identity)).toEqual(
      expect.arrayContaining([
        { vendorId: 'COM.Example.Meter', messageId: 'Ping', data: '42', answer: { status: 'Accepted', data: 'pong:42' } },
        { vendorId: 'com.example.meter', messageId: 'Firmware', answer: { status: 'UnknownMessageId' } },
      ]),
    );
  });

  it('answers UnknownVendorId at once when no plug-in serves the vendor (TC_064)', async () => {
    const cp = await booted();
    const started = Date.now();
    expect(await send(cp, 'DataTransfer', { vendorId: 'com.nobody', messageId: 'x', data: '1' })).toEqual({ status: 'UnknownVendorId' });
    // NATS reports "no responders" without waiting for the plug-in timeout.
    expect(Date.now() - started).toBeLessThan(PLUGIN_TIMEOUT_MS);
    expect(asked.some((r) => r.stationId === cp.identity)).toBe(false);
    expect(await stored(cp.identity)).toEqual([{ vendorId: 'com.nobody', messageId: 'x', data: '1', answer: { status: 'UnknownVendorId' } }]);
  });

  it('answers UnknownVendorId to a vendor id no subject can name (empty: the schema allows it), not an internal error', async () => {
    const cp = await booted();
    // Found by the fuzz test: the empty id threw while its subject was built, and the charger got InternalError.
    expect(await send(cp, 'DataTransfer', { vendorId: '', messageId: 'x' })).toEqual({ status: 'UnknownVendorId' });
    expect(await stored(cp.identity)).toEqual([{ vendorId: '', messageId: 'x', answer: { status: 'UnknownVendorId' } }]);
  });

  it('gives a CallError, not a made-up status, when the plug-in is silent or answers outside the contract; the message is kept', async () => {
    const cp = await booted();
    await expect(send(cp, 'DataTransfer', { vendorId: 'com.example.silent', data: 'a' })).rejects.toMatchObject({
      code: 'InternalError',
      description: expect.stringMatching(new RegExp(`within ${PLUGIN_TIMEOUT_MS} ms`)),
    });
    // Not PropertyConstraintViolation: the charger's message was fine, the plug-in's reply was not.
    await expect(send(cp, 'DataTransfer', { vendorId: 'com.example.broken', data: 'b' })).rejects.toMatchObject({
      code: 'InternalError',
      description: expect.stringMatching(/com\.example\.broken DataTransfer plug-in failed: invalid reply/),
    });
    const kept = await stored(cp.identity);
    expect(kept).toEqual(
      expect.arrayContaining([
        { vendorId: 'com.example.silent', data: 'a', answer: { failure: 'plugin_timeout', reason: expect.any(String) } },
        { vendorId: 'com.example.broken', data: 'b', answer: { failure: 'plugin_invalid_reply', reason: expect.stringMatching(/status/) } },
      ]),
    );

    const metrics = await fetch(`${h.app.baseUrl}/metrics`).then((r) => r.text());
    for (const outcome of ['Accepted', 'UnknownMessageId', 'UnknownVendorId', 'plugin_timeout', 'plugin_invalid_reply']) {
      expect(metrics).toMatch(new RegExp(`ocpp_data_transfers_total\\{[^}]*outcome="${outcome}"[^}]*\\} [1-9]`));
    }
    expect(metrics).toMatch(/bus_request_duration_seconds_count\{[^}]*subject="ocpp\.data-transfer\.\*"[^}]*outcome="no_responders"/);
  });
});
