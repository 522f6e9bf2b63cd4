import { commandRuleViolations } from './command-rules.js';

const paths = (action: string, payload: Record<string, unknown>) => commandRuleViolations(action, payload).map((v) => v.path);

describe('commandRuleViolations: file transfers (GetDiagnostics, UpdateFirmware, GetLog, SignedUpdateFirmware)', () => {
  const at = (iso: string) => new Date(iso).toISOString();

  it('a negative retries or retryInterval is refused: a count and a number of seconds (OCPP 1.6 §6), which firmware keeping them unsigned reads as billions', () => {
    expect(paths('GetDiagnostics', { location: 'ftp://up.example.com/diag', retries: -1, retryInterval: -30 })).toEqual(['/retries', '/retryInterval']);
    expect(paths('UpdateFirmware', { location: 'https://fw.example.com/a.bin', retrieveDate: at('2030-01-01T00:00:00Z'), retries: -3 })).toEqual(['/retries']);
    expect(paths('GetLog', { logType: 'SecurityLog', requestId: 1, log: { remoteLocation: 'https://up.example.com' }, retryInterval: -1 })).toEqual(['/retryInterval']);
    expect(paths('SignedUpdateFirmware', { requestId: 1, retries: -1, firmware: { location: 'https://fw', retrieveDateTime: at('2030-01-01T00:00:00Z'), signingCertificate: 'c', signature: 's' } })).toEqual(['/retries']);
    // 0 retries (try once) and a 0 s interval are meaningful.
    expect(paths('GetDiagnostics', { location: 'ftp://up.example.com/diag', retries: 0, retryInterval: 0 })).toEqual([]);
  });

  it('a time window that ends before it starts is refused: the charger would have nothing to upload', () => {
    expect(paths('GetDiagnostics', { location: 'ftp://x/y', startTime: at('2026-12-02T00:00:00Z'), stopTime: at('2026-12-01T00:00:00Z') })).toEqual(['/stopTime']);
    expect(paths('GetLog', { logType: 'DiagnosticsLog', requestId: 2, log: { remoteLocation: 'ftp://x', oldestTimestamp: '2026-12-02T01:00:00+01:00', latestTimestamp: '2026-12-01T23:30:00Z' } })).toEqual(['/log/latestTimestamp']);
    // Compared as instants, not as text; either end alone is fine.
    expect(paths('GetDiagnostics', { location: 'ftp://x/y', startTime: '2026-12-02T00:30:00+01:00', stopTime: '2026-12-01T23:45:00Z' })).toEqual([]);
    expect(paths('GetDiagnostics', { location: 'ftp://x/y', startTime: at('2026-12-02T00:00:00Z') })).toEqual([]);
  });
});
