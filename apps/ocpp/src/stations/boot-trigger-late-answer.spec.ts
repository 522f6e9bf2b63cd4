import { jest } from '@jest/globals';
import type { Logger } from 'pino';
import { timedOutStation, triggerEffects } from '../../test/station-fakes.js';

const logger = { error: jest.fn(), warn: jest.fn(), info: jest.fn() } as unknown as Logger;

/**
 * Review s14: a TriggerMessage BootNotification that timed out in flight may still be accepted (the
 * late answer, OutboundCalls). Settled "refused" at the timeout, the late acceptance was ignored and
 * the boot it brings was recorded as a reboot: booted_at moved, changes staged for the reboot taken
 * as in effect, and the planner counting the station at its rating until its profiles are answered again.
 */
describe('a boot trigger answered after our timeout', () => {
  function setUp() {
    const { executor, bootTriggers: triggers } = triggerEffects(logger);
    const { ctx, late } = timedOutStation(undefined, { connectionId: 'conn-1' });
    return { executor, triggers, ctx, late };
  }
  const settle = () => new Promise((resolve) => setTimeout(resolve, 10));

  it('accepted late: the boot that follows on the connection is the triggered one, no reboot', async () => {
    const { executor, triggers, ctx, late } = setUp();
    expect(await executor.execute(ctx, { action: 'TriggerMessage', payload: { requestedMessage: 'BootNotification' } })).toMatchObject({ code: 'Timeout' });
    expect(late({ kind: 'result', payload: { status: 'Accepted' } })).toBe(true);
    await settle();
    expect(await triggers.takeFor('conn-1', 50)).toBe(true);
  });

  it('refused late: a boot is a reboot', async () => {
    const { executor, triggers, ctx, late } = setUp();
    await executor.execute(ctx, { action: 'TriggerMessage', payload: { requestedMessage: 'BootNotification' } });
    late({ kind: 'result', payload: { status: 'Rejected' } });
    await settle();
    expect(await triggers.takeFor('conn-1', 50)).toBe(false);
  });

  it('never answered: a boot waits at most the bounded wait and is a reboot', async () => {
    const { executor, triggers, ctx } = setUp();
    await executor.execute(ctx, { action: 'TriggerMessage', payload: { requestedMessage: 'BootNotification' } });
    const started = Date.now();
    expect(await triggers.takeFor('conn-1', 50)).toBe(false);
    expect(Date.now() - started).toBeLessThan(1_000);
  });

  it('a boot arriving before the late acceptance (sent before the answer) waits for it', async () => {
    const { executor, triggers, ctx, late } = setUp();
    await executor.execute(ctx, { action: 'TriggerMessage', payload: { requestedMessage: 'BootNotification' } });
    const taken = triggers.takeFor('conn-1', 2_000);
    setTimeout(() => late({ kind: 'result', payload: { status: 'Accepted' } }), 20);
    expect(await taken).toBe(true);
  });
});
