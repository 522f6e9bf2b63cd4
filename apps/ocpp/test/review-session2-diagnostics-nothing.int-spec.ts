import { api, ocppSuite, send } from './harness.js';

/**
 * 4ead42f records a GetDiagnostics answered without a fileName as ended, `nothingToUpload: true`
 * (TransferRepository.recordNothingToUpload). Chargers that leave the optional fileName out and
 * upload anyway then report Uploading/Uploaded for that request: the view keeps telling the
 * operator there was nothing to upload beside the status of the upload it shows.
 */
describe('review session 2: a GetDiagnostics answered without a fileName, then uploaded', () => {
  const { ocpp, booted, command } = ocppSuite();

  it('no longer reads nothingToUpload once the charger reports the upload of it', async () => {
    const cp = await booted(undefined, (c) => c.handle('GetDiagnostics', () => ({})));
    expect((await command(cp.identity, 'GetDiagnostics', { location: 'ftp://diag.example.com/upload' })).body).toEqual({ status: 'ok', payload: {} });
    await send(cp, 'DiagnosticsStatusNotification', { status: 'Uploading' });
    await send(cp, 'DiagnosticsStatusNotification', { status: 'Uploaded' });
    const shown = (await api(ocpp(), 'GET', `/api/v1/stations/${encodeURIComponent(cp.identity)}`)).body.diagnostics_request;
    expect({ status: shown.status, nothingToUpload: shown.nothingToUpload ?? false }).toEqual({ status: 'Uploaded', nothingToUpload: false });
  });
});
