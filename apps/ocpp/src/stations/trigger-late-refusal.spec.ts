import { jest } from '@jest/globals';
import type { JsonObject } from '@cpo/ocpp-protocol';
import type { Logger } from 'pino';
import { fakeStation, triggerEffects } from '../../test/station-fakes.js';
import type { CallOutcome } from '../connection/outbound-calls.js';
import type { CallOptions } from '../connection/station-context.js';
import { TriggeredActions } from '../connection/triggered-actions.js';
import { BootTriggers } from './boot-triggers.js';

const logger = { error: jest.fn(), warn: jest.fn(), info: jest.fn() } as unknown as Logger;
const settle = () => new Promise((resolve) => setTimeout(resolve, 10));

/**
 * A TriggerMessage timed out in flight; a newer one for the same message went out after it and
 * opened its own window. The older call's late refusal says nothing about the newer one.
 */
describe("an older trigger's late refusal", () => {
  function setUp() {
    const { executor, bootTriggers } = triggerEffects(logger);
    const triggered = new TriggeredActions();
    const lates: ((outcome: CallOutcome) => boolean)[] = [];
    const answers: ((outcome: CallOutcome) => void)[] = [];
    // The first call times out; the later ones wait for `answer`.
    const ctx = fakeStation({
      connectionId: 'conn-1',
      registration: 'Pending',
      call: (_action: string, _payload: JsonObject, options?: CallOptions) => {
        lates.push(options!.onLateAnswer!);
        if (lates.length === 1) return Promise.resolve({ kind: 'timeout' });
        return new Promise<CallOutcome>((resolve) => answers.push(resolve));
      },
      expectTriggered: (action, expected, by) => triggered.expect(action, expected, by),
    });
    return { executor, ctx, triggered, bootTriggers, late: (o: CallOutcome) => lates[0]!(o), answer: (o: CallOutcome) => answers[0]!(o) };
  }

  it.each(['Rejected', 'NotImplemented'])('%s: the newer trigger\'s window stays open', async (status) => {
    const { executor, ctx, triggered, late, answer } = setUp();
    const payload = { requestedMessage: 'StatusNotification' };
    expect(await executor.execute(ctx, { action: 'TriggerMessage', payload })).toMatchObject({ code: 'Timeout' });
    const newer = executor.execute(ctx, { action: 'TriggerMessage', payload: { ...payload } });
    await settle();
    expect(late({ kind: 'result', payload: { status } })).toBe(true);
    await settle();
    expect(triggered.admits('StatusNotification')).toBe(true);
    answer({ kind: 'result', payload: { status: 'Accepted' } });
    await newer;
    expect(triggered.admits('StatusNotification')).toBe(true);
  });

  it('a late CallError leaves the newer window open too', async () => {
    const { executor, ctx, triggered, late } = setUp();
    await executor.execute(ctx, { action: 'TriggerMessage', payload: { requestedMessage: 'StatusNotification' } });
    void executor.execute(ctx, { action: 'TriggerMessage', payload: { requestedMessage: 'StatusNotification' } });
    await settle();
    late({ kind: 'error', code: 'InternalError', description: '', details: {} });
    await settle();
    expect(triggered.admits('StatusNotification')).toBe(true);
  });

  it('without a newer trigger, it closes the window as a timely refusal does', async () => {
    const { executor, ctx, triggered, late } = setUp();
    await executor.execute(ctx, { action: 'TriggerMessage', payload: { requestedMessage: 'StatusNotification' } });
    expect(triggered.admits('StatusNotification')).toBe(true);
    late({ kind: 'result', payload: { status: 'Rejected' } });
    await settle();
    expect(triggered.admits('StatusNotification')).toBe(false);
  });

  it('a late CallError without a newer trigger closes the window as a timely CallError does', async () => {
    const { executor, ctx, triggered, late } = setUp();
    await executor.execute(ctx, { action: 'TriggerMessage', payload: { requestedMessage: 'StatusNotification' } });
    expect(late({ kind: 'error', code: 'NotSupported', description: '', details: {} })).toBe(true);
    await settle();
    expect(triggered.admits('StatusNotification')).toBe(false);
  });

  it('of a BootNotification trigger: the newer accepted trigger still makes the boot a triggered one', async () => {
    const { executor, ctx, bootTriggers, late, answer } = setUp();
    const payload = { requestedMessage: 'BootNotification' };
    await executor.execute(ctx, { action: 'TriggerMessage', payload });
    const newer = executor.execute(ctx, { action: 'TriggerMessage', payload: { ...payload } });
    await settle();
    late({ kind: 'result', payload: { status: 'Rejected' } });
    await settle();
    answer({ kind: 'result', payload: { status: 'Accepted' } });
    await newer;
    expect(await bootTriggers.takeFor('conn-1', 50)).toBe(true);
  });
});

describe('TriggeredActions', () => {
  it('closes a window only for the ask that opened it', () => {
    const triggered = new TriggeredActions();
    const older = {};
    const newer = {};
    triggered.expect('Heartbeat', true, older);
    triggered.expect('Heartbeat', true, newer);
    triggered.expect('Heartbeat', false, older);
    expect(triggered.admits('Heartbeat')).toBe(true);
    triggered.expect('Heartbeat', false, newer);
    expect(triggered.admits('Heartbeat')).toBe(false);
  });
});

/**
 * Two BootNotification triggers on one connection, the newer queued behind the older one (its
 * before-hook ran, so it is the connection's trigger now). The older one's acceptance still brings
 * a boot that is no reboot: it must not wait for the newer one's answer and be taken as a reboot.
 */
describe("an older BootNotification trigger's acceptance, a newer one queued behind it", () => {
  function setUp() {
    const { executor, bootTriggers } = triggerEffects(logger);
    const answers: ((outcome: CallOutcome) => void)[] = [];
    const ctx = fakeStation({ connectionId: 'conn-1', registration: 'Pending', call: () => new Promise<CallOutcome>((resolve) => answers.push(resolve)) });
    return { executor, ctx, bootTriggers, answers };
  }

  it.each(['Rejected', 'unanswered'])('the boot it brings is the triggered one (the newer one %s)', async (newerAnswer) => {
    const { executor, ctx, bootTriggers, answers } = setUp();
    const older = executor.execute(ctx, { action: 'TriggerMessage', payload: { requestedMessage: 'BootNotification' } });
    const newer = executor.execute(ctx, { action: 'TriggerMessage', payload: { requestedMessage: 'BootNotification' } });
    await settle();
    answers[0]!({ kind: 'result', payload: { status: 'Accepted' } });
    await older;
    // The boot the older trigger brings arrives (the newer one's answer to come, or not).
    const taken = bootTriggers.takeFor('conn-1', 50);
    if (newerAnswer === 'Rejected') answers[1]!({ kind: 'result', payload: { status: 'Rejected' } });
    expect(await taken).toBe(true);
    answers[1]!({ kind: 'timeout' });
    await newer;
  });
});

describe('BootTriggers: an older trigger answered once a newer one was sent', () => {
  it('its acceptance after the newer one was refused still makes the next boot a triggered one', async () => {
    const triggers = new BootTriggers();
    const older = {};
    const newer = {};
    triggers.sending('c', older);
    triggers.sending('c', newer);
    triggers.answered('c', false, newer);
    triggers.answered('c', true, older);
    expect(await triggers.takeFor('c', 50)).toBe(true);
  });

  it('its refusal leaves the newer one in flight; the newer refusal is a reboot', async () => {
    const triggers = new BootTriggers();
    const older = {};
    const newer = {};
    triggers.sending('c', older);
    triggers.sending('c', newer);
    triggers.answered('c', false, older);
    expect(await triggers.takeFor('c', 20)).toBe(false);
    triggers.answered('c', false, newer);
    expect(await triggers.takeFor('c', 20)).toBe(false);
  });
});
