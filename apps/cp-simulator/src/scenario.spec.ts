import { acceptingAnswers, TestCsms } from '@cpo/ocpp-chargepoint';
import { Fleet } from './fleet.js';
import { validateScenario } from './scenario.js';

describe('scripted scenarios', () => {
  it('names every problem of a bad scenario by step', () => {
    expect(validateScenario({})).toEqual(['scenario must be a list of steps']);
    expect(validateScenario([{ atS: -1, station: 'A', do: 'start' }, { atS: 1, do: 'dance', connector: 0 }])).toEqual([
      'step 0: atS must be a number ≥ 0',
      'step 1: station must be an identity or *',
      'step 1: do must be one of start, stop, fault, recover, disconnect',
      'step 1: connector must be ≥ 1',
    ]);
    expect(validateScenario([{ atS: 0, station: '*', do: 'start', idTag: 'TAG-EXPLORATORY-LONGNAME-0001' }])).toEqual(['step 0: idTag must be 1 to 20 characters (OCPP idTag)']);
  });

  it('plays timed steps on the matching stations', async () => {
    const csms = new TestCsms();
    csms.onCall = acceptingAnswers({ transactionId: 1 });
    const url = await csms.start();
    const fleet = new Fleet({
      url, count: 3, idPattern: 'SC-{n}', station: { connectors: 2 }, meterIntervalS: 3600, sessionEveryS: 0, sessionMinutes: 1, evMaxKw: 11, rampMs: 0, durationS: 4,
      scenario: [
        { atS: 0.3, station: 'SC-0001', do: 'start', connector: 1, idTag: 'DEMO' },
        { atS: 0.5, station: 'SC-0002', do: 'disconnect' },
        { atS: 0.7, station: 'SC-0003', do: 'fault', connector: 2 },
      ],
    });
    const report = await fleet.run();
    await csms.stop();
    // With what failed, should anything: a loaded machine once made this a bare 1.
    expect({ errors: report.errors, byKind: report.errorsByKind }).toEqual({ errors: 0, byKind: {} });
    const byStation = (id: string) => csms.connections.filter((c) => c.identity === id).length;
    expect(byStation('SC-0001')).toBe(1);
    expect(byStation('SC-0002')).toBe(2); // dropped and reconnected
    expect(csms.received.some((f) => f[2] === 'StartTransaction' && (f[3] as { idTag: string }).idTag === 'DEMO')).toBe(true);
    expect(csms.received.some((f) => f[2] === 'StatusNotification' && (f[3] as { connectorId: number; status: string }).status === 'Faulted')).toBe(true);
  });
});
