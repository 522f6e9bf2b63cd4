import { jest } from '@jest/globals';
import { OcppCommandReplyV1 } from '@cpo/contracts';
import { ConflictError } from '@cpo/platform';
import type { JsonObject } from '@cpo/ocpp-protocol';
import type { Logger } from 'pino';
import { OutboundCalls, type CallOutcome } from '../connection/outbound-calls.js';
import { COMMAND_FAILED, CommandExecutor, mayHaveReachedCharger, type CallFailure } from './command-executor.js';
import { httpStatusOfReply } from './command-reply.http.js';
import { fakeStation } from '../../test/station-fakes.js';

const logger = { error: jest.fn(), warn: jest.fn(), info: jest.fn() } as unknown as Logger;

/** An accepted station whose calls all end with `outcome`; `sent` records what went out. */
function station(outcome: CallOutcome = { kind: 'result', payload: { status: 'Accepted' } }) {
  const sent: { action: string; payload: JsonObject }[] = [];
  const ctx = fakeStation({ call: async (action, payload) => (sent.push({ action, payload }), outcome) });
  return { ctx, sent };
}

const future = new Date(Date.now() + 3_600_000).toISOString();

describe('CommandExecutor', () => {
  it("answers its own failure (a hook's database error) as CentralSystemError, never as the charger's CallError InternalError, and sends nothing", async () => {
    const executor = new CommandExecutor(logger);
    executor.beforeSending('ClearCache', async () => {
      throw new Error('connect ECONNREFUSED 127.0.0.1:5432');
    });
    const { ctx, sent } = station();
    expect(await executor.execute(ctx, { action: 'ClearCache', payload: {} })).toEqual({ status: 'error', code: 'CentralSystemError', description: COMMAND_FAILED });
    expect(sent).toEqual([]);
  });

  it("never hands a database error's text to the caller (H5 #2: a 500 carried PostgreSQL's message), from a completing or a before-hook; the log keeps it", async () => {
    const error = jest.fn();
    const executor = new CommandExecutor({ ...logger, error } as unknown as Logger);
    const pg = () => Object.assign(new Error('value "99999999999" is out of range for type integer'), { code: '22003' });
    executor.beforeSending('ChangeAvailability', async () => {
      throw pg();
    });
    executor.completing('ReserveNow', async () => {
      throw new Error('invalid byte sequence for encoding "UTF8": 0x00');
    });
    const { ctx, sent } = station();
    const replies = [
      await executor.execute(ctx, { action: 'ChangeAvailability', payload: { connectorId: 1, type: 'Operative' } }),
      await executor.execute(ctx, { action: 'ReserveNow', payload: { connectorId: 1, expiryDate: future, idTag: 'A' } }),
    ];
    for (const reply of replies) {
      expect(reply).toEqual({ status: 'error', code: 'CentralSystemError', description: COMMAND_FAILED });
      expect(JSON.stringify(reply)).not.toMatch(/range|UTF8|integer/);
    }
    expect(sent).toEqual([]);
    expect(error).toHaveBeenCalledWith(expect.objectContaining({ err: expect.objectContaining({ message: expect.stringContaining('out of range') }), action: 'ChangeAvailability' }), 'command failed');
  });

  it("logs its own failure with the station and the action, so one charger's failing command can be found among 10,000", async () => {
    const error = jest.fn();
    const executor = new CommandExecutor({ ...logger, error } as unknown as Logger);
    executor.beforeSending('ClearCache', async () => {
      throw new Error('connect ECONNREFUSED 127.0.0.1:5432');
    });
    await executor.execute(station().ctx, { action: 'ClearCache', payload: {} });
    expect(error).toHaveBeenCalledWith(expect.objectContaining({ err: expect.any(Error), stationId: 'CP-1', action: 'ClearCache' }), 'command failed');
  });

  it("queues a station's hooked commands in the order they were recorded, however long each hook takes", async () => {
    const executor = new CommandExecutor(logger);
    const recorded: string[] = [];
    executor.beforeSending('ReserveNow', async (_ctx, payload) => {
      // The first replacement's hook is the slower one: side by side, the second reached the charger first.
      if (payload['idTag'] === 'FIRST') await new Promise((r) => setTimeout(r, 30));
      recorded.push(payload['idTag'] as string);
    });
    const { ctx, sent } = station();
    const reserve = (idTag: string) => executor.execute(ctx, { action: 'ReserveNow', payload: { connectorId: 1, expiryDate: future, idTag, reservationId: 7 } });
    await Promise.all([reserve('FIRST'), reserve('SECOND')]);
    expect(recorded).toEqual(['FIRST', 'SECOND']);
    expect(sent.map((c) => c.payload['idTag'])).toEqual(['FIRST', 'SECOND']);
    // Another station's command does not wait for this one's hooks.
    const other = { ...station().ctx, stationId: 'CP-2' };
    const slow = reserve('FIRST');
    const quick = await executor.execute(other, { action: 'ClearCache', payload: {} });
    expect(quick).toMatchObject({ status: 'ok' });
    await slow;
  });

  it("applies a station's command outcomes in the order the charger answered, however long each effect takes", async () => {
    const executor = new CommandExecutor(logger);
    const settled: string[] = [];
    executor.afterAnswer('ReserveNow', async (_ctx, payload) => {
      // The first answer's effect is the slower one: side by side, the second answer settled first.
      if (payload['idTag'] === 'FIRST') await new Promise((r) => setTimeout(r, 30));
      settled.push(payload['idTag'] as string);
    });
    const { ctx } = station();
    const reserve = (idTag: string) => executor.execute(ctx, { action: 'ReserveNow', payload: { connectorId: 1, expiryDate: future, idTag, reservationId: 7 } });
    await Promise.all([reserve('FIRST'), reserve('SECOND')]);
    expect(settled).toEqual(['FIRST', 'SECOND']);
  });

  it('refuses an invalid payload before any before-hook records it', async () => {
    const executor = new CommandExecutor(logger);
    const before = jest.fn(async () => undefined);
    executor.beforeSending('ReserveNow', before);
    executor.beforeSending('RemoteStartTransaction', before);
    const { ctx, sent } = station();
    const tooLong = await executor.execute(ctx, { action: 'ReserveNow', payload: { connectorId: 1, expiryDate: future, idTag: 'X'.repeat(21), reservationId: 5 } });
    expect(tooLong).toMatchObject({ status: 'error', code: 'InvalidRequest' });
    const start = await executor.execute(ctx, { action: 'RemoteStartTransaction', payload: { idTag: 'Y'.repeat(25) } });
    expect(start).toMatchObject({ status: 'error', code: 'InvalidRequest' });
    expect(before).not.toHaveBeenCalled();
    expect(sent).toEqual([]);
  });

  it('refuses what breaks the guide or our integer range with per-field errors, before any hook', async () => {
    const executor = new CommandExecutor(logger);
    const before = jest.fn(async () => undefined);
    executor.beforeSending('ReserveNow', before);
    executor.beforeSending('RemoteStartTransaction', before);
    const { ctx, sent } = station();
    const huge = await executor.execute(ctx, { action: 'ReserveNow', payload: { connectorId: 1, expiryDate: future, idTag: 'T', reservationId: 2 ** 40 } });
    expect(huge).toMatchObject({ status: 'error', code: 'InvalidRequest', details: { errors: [expect.objectContaining({ path: '/reservationId' })] } });
    const zero = await executor.execute(ctx, { action: 'RemoteStartTransaction', payload: { idTag: 'A', connectorId: 0 } });
    expect(zero).toMatchObject({ code: 'InvalidRequest', details: { errors: [expect.objectContaining({ path: '/connectorId' })] } });
    expect(before).not.toHaveBeenCalled();
    expect(sent).toEqual([]);
  });

  it('refuses a remote start or a reservation for an empty idTag, over the bus and before it travels (the 400 of REST, single and bulk)', async () => {
    const executor = new CommandExecutor(logger);
    const before = jest.fn(async () => undefined);
    executor.completing('ReserveNow', async (_ctx, p) => ({ ...p, reservationId: 42 }));
    executor.beforeSending('ReserveNow', before);
    executor.beforeSending('RemoteStartTransaction', before);
    const { ctx, sent } = station();
    const idTagRefused = { status: 'error', code: 'InvalidRequest', description: expect.stringContaining('/idTag'), details: { errors: [expect.objectContaining({ path: '/idTag' })] } };
    const start = { action: 'RemoteStartTransaction', payload: { idTag: '', connectorId: 1 } } as const;
    const reserve = { action: 'ReserveNow', payload: { connectorId: 1, expiryDate: future, idTag: '' } } as const;
    expect(await executor.execute(ctx, start)).toMatchObject(idTagRefused);
    expect(await executor.execute(ctx, reserve)).toMatchObject(idTagRefused);
    for (const request of [start, reserve]) {
      const refused = executor.check(request);
      expect(refused).toMatchObject(idTagRefused);
      expect(httpStatusOfReply(refused!)).toBe(400);
    }
    expect(before).not.toHaveBeenCalled();
    expect(sent).toEqual([]);
  });

  it('completes the payload before validation and sends what the before-hook saw', async () => {
    const executor = new CommandExecutor(logger);
    const seen: JsonObject[] = [];
    executor.completing('ReserveNow', async (_ctx, p) => ({ ...p, reservationId: 42 }));
    executor.beforeSending('ReserveNow', async (_ctx, p) => void seen.push(p));
    const { ctx, sent } = station();
    const reply = await executor.execute(ctx, { action: 'ReserveNow', payload: { connectorId: 1, expiryDate: future, idTag: 'T' } });
    expect(reply).toEqual({ status: 'ok', payload: { status: 'Accepted' } });
    expect(seen).toEqual([expect.objectContaining({ reservationId: 42 })]);
    expect(sent).toEqual([{ action: 'ReserveNow', payload: expect.objectContaining({ reservationId: 42 }) }]);
  });

  it('a conflict in the before-hook is a Conflict reply and nothing is sent', async () => {
    const executor = new CommandExecutor(logger);
    executor.beforeSending('CancelReservation', async () => {
      throw new ConflictError('taken', { reservationId: 'in use' });
    });
    const { ctx, sent } = station();
    expect(await executor.execute(ctx, { action: 'CancelReservation', payload: { reservationId: 1 } })).toEqual({
      status: 'error', code: 'Conflict', description: 'taken', details: { reservationId: 'in use' },
    });
    expect(sent).toEqual([]);
  });

  it('runs the failure hooks, not the answer hooks, when the call gets no CallResult', async () => {
    const executor = new CommandExecutor(logger);
    const answered = jest.fn(async () => undefined);
    const failed = jest.fn(async () => undefined);
    executor.afterAnswer('ClearCache', answered);
    executor.afterFailure('ClearCache', failed);
    const { ctx } = station({ kind: 'timeout' });
    expect(await executor.execute(ctx, { action: 'ClearCache', payload: {} })).toMatchObject({ code: 'Timeout' });
    expect(failed).toHaveBeenCalledWith(ctx, {}, { kind: 'timeout' });
    expect(answered).not.toHaveBeenCalled();
  });

  it('a command that timed out still queued behind an earlier call (never written) is a timeout the charger cannot have acted on', async () => {
    jest.useFakeTimers();
    try {
      const written: string[] = [];
      const calls = new OutboundCalls((_id, action) => void written.push(action), 10);
      const { ctx } = station();
      ctx.call = (action, payload, options) => calls.call(action, payload, { timeoutMs: options?.timeoutMs ?? 30_000, since: options?.since });
      const executor = new CommandExecutor(logger);
      const failures: CallFailure[] = [];
      executor.afterFailure('UnlockConnector', async (_ctx, _payload, failure) => void failures.push(failure));
      // The station is busy with an earlier call for the whole timeout of the next one.
      const busy = calls.call('GetConfiguration', {}, { timeoutMs: 60_000 });
      const reply = executor.execute(ctx, { action: 'UnlockConnector', payload: { connectorId: 1 }, timeoutMs: 1000 });
      await jest.advanceTimersByTimeAsync(1000);
      const answered = await reply;
      expect(written).toEqual(['GetConfiguration']);
      expect(answered).toEqual({ status: 'error', code: 'QueueTimeout', description: expect.stringContaining('never sent') });
      expect(httpStatusOfReply(answered)).toBe(504);
      expect(OcppCommandReplyV1.safeParse(answered).success).toBe(true);
      expect(failures).toEqual([{ kind: 'timeout', unsent: true, behind: 'GetConfiguration' }]);
      expect(mayHaveReachedCharger(failures[0]!)).toBe(false);
      // The call in flight that got no answer is still one the charger may have acted on.
      await jest.advanceTimersByTimeAsync(59_000);
      expect(await busy).toEqual({ kind: 'timeout' });
      expect(mayHaveReachedCharger({ kind: 'timeout' })).toBe(true);
      calls.close();
    } finally {
      jest.useRealTimers();
    }
  });

  it('keeps every reply within the contract (description ≤ 1,024), so a replica forwarding it can read it', async () => {
    const executor = new CommandExecutor(logger);
    executor.beforeSending('ClearCache', async () => {
      throw new Error(`relation "reservations" does not exist: ${'x'.repeat(3000)}`);
    });
    const { ctx } = station();
    const failed = await executor.execute(ctx, { action: 'ClearCache', payload: {} });
    expect(failed).toMatchObject({ code: 'CentralSystemError', description: COMMAND_FAILED });
    expect(OcppCommandReplyV1.safeParse(failed).success).toBe(true);
    // A schema error naming a long unknown property.
    const invalid = await executor.execute(ctx, { action: 'Reset', payload: { type: 'Soft', ['k'.repeat(3000)]: 1 } });
    expect(invalid).toMatchObject({ code: 'InvalidRequest' });
    expect(OcppCommandReplyV1.safeParse(invalid).success).toBe(true);
  });
});

describe('CommandExecutor: the limits the station reported', () => {
  const list = (n: number) => ({ listVersion: 1, updateType: 'Differential', localAuthorizationList: Array.from({ length: n }, (_, i) => ({ idTag: `T${i}` })) });

  it('refuses a command over a reported limit before any hook runs, and sends nothing', async () => {
    const executor = new CommandExecutor(logger);
    executor.limitedBy(async () => ({ sendLocalListMaxLength: 1 }));
    const before = jest.fn(async () => undefined);
    executor.beforeSending('SendLocalList', before);
    const { ctx, sent } = station();
    expect(await executor.execute(ctx, { action: 'SendLocalList', payload: list(2) })).toMatchObject({ status: 'error', code: 'InvalidRequest', description: expect.stringContaining('SendLocalListMaxLength 1') });
    expect(before).not.toHaveBeenCalled();
    expect(sent).toEqual([]);
    expect(await executor.execute(ctx, { action: 'SendLocalList', payload: list(1) })).toMatchObject({ status: 'ok' });
  });

  it('lets the command go when the limits cannot be read, and reads them only for the actions they limit', async () => {
    const executor = new CommandExecutor(logger);
    const lookup = jest.fn(async () => {
      throw new Error('connect ECONNREFUSED 127.0.0.1:5432');
    });
    executor.limitedBy(lookup);
    const { ctx, sent } = station();
    expect(await executor.execute(ctx, { action: 'SendLocalList', payload: list(2) })).toMatchObject({ status: 'ok' });
    await executor.execute(ctx, { action: 'Reset', payload: { type: 'Soft' } });
    expect(lookup).toHaveBeenCalledTimes(1);
    expect(sent.map((s) => s.action)).toEqual(['SendLocalList', 'Reset']);
  });
});
