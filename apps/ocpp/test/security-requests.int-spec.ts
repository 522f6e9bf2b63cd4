import { api, ocppSuite, send } from './harness.js';

const later = (ms: number) => new Date(Date.now() + ms).toISOString();

/**
 * SignedUpdateFirmware / GetLog (1.6 security extension) and their status notifications carry a
 * requestId on both sides: the station shows the request it accepted last with the statuses that
 * named that request only.
 */
describe('OCPP security extension: requests tied to their statuses by requestId', () => {
  const { ocpp, booted, command } = ocppSuite();

  const station = async (id: string) => (await api(ocpp(), 'GET', `/api/v1/stations/${id}`)).body;
  const signed = (requestId: number) => ({
    requestId,
    retries: 3,
    firmware: {
      location: `https://fw.example.com/s1-${requestId}.bin`,
      retrieveDateTime: later(60_000),
      signingCertificate: '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----',
      signature: 'c2lnbmF0dXJl',
    },
  });

  it('an accepted SignedUpdateFirmware is the firmware request, with the status of its requestId only; a refused one is not recorded', async () => {
    let answer = 'Rejected';
    const cp = await booted(undefined, (c) => c.handle('SignedUpdateFirmware', () => ({ status: answer as 'Accepted' })));
    expect((await command(cp.identity, 'SignedUpdateFirmware', signed(5))).body).toEqual({ status: 'ok', payload: { status: 'Rejected' } });
    expect((await station(cp.identity)).firmware_request).toBeNull();

    answer = 'Accepted';
    const before = Date.now();
    const request = signed(7);
    expect((await command(cp.identity, 'SignedUpdateFirmware', request)).status).toBe(200);
    const recorded = (await station(cp.identity)).firmware_request;
    expect(recorded).toEqual({
      requestId: 7,
      location: request.firmware.location,
      retrieveDateTime: request.firmware.retrieveDateTime,
      installDateTime: null,
      retries: 3,
      retryInterval: null,
      requestedAt: expect.stringMatching(/Z$/),
      firmwareVersionBefore: null,
      status: null,
      statusAt: null,
    });
    expect(Date.parse(recorded.requestedAt)).toBeGreaterThanOrEqual(before - 5);

    // Naming another request, or none (e.g. Idle): the station's status, not the request's.
    await send(cp, 'SignedFirmwareStatusNotification', { status: 'InvalidSignature', requestId: 6 });
    expect(await station(cp.identity)).toMatchObject({ firmware_status: 'InvalidSignature', firmware_request: { requestId: 7, status: null, statusAt: null } });
    await send(cp, 'SignedFirmwareStatusNotification', { status: 'Downloading', requestId: 7 });
    await send(cp, 'SignedFirmwareStatusNotification', { status: 'InvalidSignature', requestId: 6 });
    await send(cp, 'SignedFirmwareStatusNotification', { status: 'Idle' });
    const shown = await station(cp.identity);
    expect(shown).toMatchObject({ firmware_status: 'Idle', firmware_request: { requestId: 7, status: 'Downloading', statusAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/) } });
    expect(Date.parse(shown.firmware_request.statusAt)).toBeGreaterThanOrEqual(Date.parse(recorded.requestedAt));

    // A plain UpdateFirmware replaces it (one firmware update at a time); a status naming a
    // requestId is never the plain request's.
    cp.handle('UpdateFirmware', () => ({}));
    expect((await command(cp.identity, 'UpdateFirmware', { location: 'https://fw.example.com/plain.bin', retrieveDate: later(60_000) })).status).toBe(200);
    await send(cp, 'SignedFirmwareStatusNotification', { status: 'Downloaded', requestId: 7 });
    expect((await station(cp.identity)).firmware_request).toMatchObject({ location: 'https://fw.example.com/plain.bin', status: null, statusAt: null });
    expect((await station(cp.identity)).firmware_request.requestId).toBeUndefined();
  });

  it('a status the charger sends before its Accepted is processed still becomes the request status', async () => {
    const cp = await booted(undefined, (c) =>
      c.handle('SignedUpdateFirmware', async (req) => {
        await send(c, 'SignedFirmwareStatusNotification', { status: 'Downloading', requestId: req.requestId });
        return { status: 'Accepted' };
      }),
    );
    expect((await command(cp.identity, 'SignedUpdateFirmware', signed(9))).status).toBe(200);
    expect((await station(cp.identity)).firmware_request).toMatchObject({ requestId: 9, status: 'Downloading', statusAt: expect.stringMatching(/Z$/) });
  });

  it('a requestId beyond 32 bits is refused before sending (an OCPP 1.6 integer is 32-bit); a status naming one names no request and still gets its answer', async () => {
    const cp = await booted(undefined, (c) => c.handle('SignedUpdateFirmware', () => ({ status: 'Accepted' })));
    expect((await command(cp.identity, 'SignedUpdateFirmware', signed(2 ** 40))).status).toBe(400);
    expect((await command(cp.identity, 'SignedUpdateFirmware', signed(2 ** 31 - 1))).status).toBe(200);
    expect((await send(cp, 'LogStatusNotification', { status: 'Idle', requestId: 2147483648 }))).toEqual({});
    expect((await send(cp, 'SignedFirmwareStatusNotification', { status: 'Downloading', requestId: 2 ** 31 - 1 }))).toEqual({});
    expect(await station(cp.identity)).toMatchObject({ log_status: 'Idle', firmware_request: { requestId: 2 ** 31 - 1, status: 'Downloading' } });
    expect((await send(cp, 'SignedFirmwareStatusNotification', { status: 'Downloaded', requestId: 2 ** 40 }))).toEqual({});
    expect((await send(cp, 'SignedFirmwareStatusNotification', { status: 'Downloaded', requestId: 1e20 }))).toEqual({});
    expect(await station(cp.identity)).toMatchObject({ firmware_status: 'Downloaded', firmware_request: { requestId: 2 ** 31 - 1, status: 'Downloading' } });
  });

  it('an accepted GetLog is the log request, with the file name and the status of its requestId only; a refused one is not recorded', async () => {
    let answer: 'Accepted' | 'Rejected' = 'Rejected';
    const cp = await booted(undefined, (c) => c.handle('GetLog', () => (answer === 'Accepted' ? { status: 'Accepted', filename: 'security-7.log' } : { status: 'Rejected' })));
    const request = (requestId: number) => ({ requestId, logType: 'SecurityLog', log: { remoteLocation: 'ftp://logs.example.com/upload', oldestTimestamp: '2030-01-01T00:00:00.000Z' } });
    expect((await command(cp.identity, 'GetLog', request(5))).body).toEqual({ status: 'ok', payload: { status: 'Rejected' } });
    expect((await station(cp.identity)).log_request).toBeNull();

    answer = 'Accepted';
    expect((await command(cp.identity, 'GetLog', request(7))).body).toEqual({ status: 'ok', payload: { status: 'Accepted', filename: 'security-7.log' } });
    expect((await station(cp.identity)).log_request).toEqual({
      requestId: 7,
      logType: 'SecurityLog',
      location: 'ftp://logs.example.com/upload',
      oldestTimestamp: '2030-01-01T00:00:00.000Z',
      latestTimestamp: null,
      retries: null,
      retryInterval: null,
      fileName: 'security-7.log',
      requestedAt: expect.stringMatching(/Z$/),
      status: null,
      statusAt: null,
    });

    await send(cp, 'LogStatusNotification', { status: 'UploadFailure', requestId: 6 });
    expect((await station(cp.identity)).log_request).toMatchObject({ requestId: 7, status: null, statusAt: null });
    await send(cp, 'LogStatusNotification', { status: 'Uploaded', requestId: 7 });
    await send(cp, 'LogStatusNotification', { status: 'Idle' });
    expect(await station(cp.identity)).toMatchObject({ log_status: 'Idle', log_request: { requestId: 7, status: 'Uploaded', statusAt: expect.stringMatching(/Z$/) } });
  });
});
