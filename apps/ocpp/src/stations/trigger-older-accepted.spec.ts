import { jest } from '@jest/globals';
import type { Logger } from 'pino';
import { fakeStation, triggerEffects } from '../../test/station-fakes.js';
import type { CallOutcome } from '../connection/outbound-calls.js';
import { TriggeredActions } from '../connection/triggered-actions.js';

const logger = { error: jest.fn(), warn: jest.fn(), info: jest.fn() } as unknown as Logger;

/**
 * A TriggerMessage the charger accepted, its message not arrived yet; then a newer TriggerMessage
 * for the same message, refused or never answered. The older acceptance still brings its message:
 * recognised as triggered (a Pending station's gate, a boot that is no reboot).
 */
describe("an older accepted trigger, a newer one for the same message refused", () => {
  function setUp() {
    const { executor, bootTriggers } = triggerEffects(logger);
    const triggered = new TriggeredActions();
    const answers: CallOutcome[] = [];
    const ctx = fakeStation({
      connectionId: 'conn-1',
      registration: 'Pending',
      call: async () => answers.shift() ?? { kind: 'timeout' },
      expectTriggered: (action, expected, by) => triggered.expect(action, expected, by),
    });
    const trigger = (requestedMessage: string, outcome: CallOutcome) => {
      answers.push(outcome);
      return executor.execute(ctx, { action: 'TriggerMessage', payload: { requestedMessage } });
    };
    return { triggered, bootTriggers, trigger };
  }
  const accepted: CallOutcome = { kind: 'result', payload: { status: 'Accepted' } };
  const refusals: [string, CallOutcome][] = [
    ['Rejected', { kind: 'result', payload: { status: 'Rejected' } }],
    ['NotImplemented', { kind: 'result', payload: { status: 'NotImplemented' } }],
    ['a CallError', { kind: 'error', code: 'NotSupported', description: '', details: {} }],
  ];

  it.each(refusals)('newer %s: the message the older one brings still passes as triggered', async (_name, refusal) => {
    const { triggered, trigger } = setUp();
    await trigger('StatusNotification', accepted);
    await trigger('StatusNotification', refusal);
    expect(triggered.admits('StatusNotification')).toBe(true);
  });

  it.each(refusals)('newer %s: the boot the older one brings is no reboot', async (_name, refusal) => {
    const { bootTriggers, trigger } = setUp();
    await trigger('BootNotification', accepted);
    await trigger('BootNotification', refusal);
    expect(await bootTriggers.takeFor('conn-1', 50)).toBe(true);
    // One boot takes it: the next one is judged on its own.
    expect(await bootTriggers.takeFor('conn-1', 50)).toBe(false);
  });

  it('newer never answered: the boot the older one brings is no reboot, at once', async () => {
    const { bootTriggers, trigger } = setUp();
    await trigger('BootNotification', accepted);
    await trigger('BootNotification', { kind: 'timeout' });
    const started = Date.now();
    expect(await bootTriggers.takeFor('conn-1', 2_000)).toBe(true);
    expect(Date.now() - started).toBeLessThan(1_000);
  });

  it('an older refused trigger does not hold back a newer acceptance', async () => {
    const { triggered, bootTriggers, trigger } = setUp();
    await trigger('BootNotification', { kind: 'result', payload: { status: 'Rejected' } });
    await trigger('BootNotification', accepted);
    expect(await bootTriggers.takeFor('conn-1', 50)).toBe(true);
    expect(triggered.admits('BootNotification')).toBe(true);
  });
});
