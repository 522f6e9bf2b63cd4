import { acceptingAnswers, TestCsms } from '@cpo/ocpp-chargepoint';
import { Fleet } from './fleet.js';

describe('fleet mode', () => {
  it('runs many stations from one process: all boot, sessions start, a report with latency per action', async () => {
    const csms = new TestCsms();
    csms.onCall = acceptingAnswers();
    const url = await csms.start();
    const fleet = new Fleet({
      url,
      count: 25,
      idPattern: 'LOAD-{n}',
      station: { connectors: 2 },
      meterIntervalS: 1,
      sessionEveryS: 0.3,
      sessionMinutes: 0.01,
      evMaxKw: 11,
      rampMs: 2,
      durationS: 2.5,
    });
    const report = await fleet.run();
    await csms.stop();

    expect(report.stations).toBe(25);
    expect(report.booted).toBe(25);
    expect(report.connected).toBe(25);
    expect(report.errors).toBe(0);
    expect(report.sessionsStarted).toBeGreaterThan(10);
    expect(new Set(csms.connections.map((c) => c.identity)).size).toBe(25);
    expect(csms.connections[0].identity).toBe('LOAD-0001');
    expect(report.latencyMs.BootNotification.count).toBe(25);
    expect(report.latencyMs.StartTransaction.p99).toBeGreaterThan(0);
    expect(csms.received.filter((f) => f[2] === 'MeterValues').length).toBeGreaterThan(0);
  });
});
