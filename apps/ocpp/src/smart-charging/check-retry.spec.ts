import { afterEach, beforeEach, jest } from '@jest/globals';
import pino from 'pino';
import type { StationContext } from '../connection/station-context.js';
import { CHECK_RETRY_ATTEMPTS, CheckRetries, checkRetryDelayMs } from './check-retry.js';

describe('checkRetryDelayMs', () => {
  it('doubles from the first wait over the attempts, then gives up', () => {
    expect([1, 2, 3, 4].map((n) => checkRetryDelayMs(n, 60_000))).toEqual([60_000, 120_000, 240_000, 480_000]);
    expect(CHECK_RETRY_ATTEMPTS).toBe(4);
    expect(checkRetryDelayMs(5, 60_000)).toBeUndefined();
  });

  it('never retries with retries off, nor for an attempt that is not one', () => {
    expect(checkRetryDelayMs(1, 0)).toBeUndefined();
    expect(checkRetryDelayMs(0, 1000)).toBeUndefined();
    expect(checkRetryDelayMs(1.5, 1000)).toBeUndefined();
  });
});

describe('CheckRetries', () => {
  const silent = pino({ level: 'silent' });
  const ctx = { stationId: 'CS1' } as unknown as StationContext;
  let held: Map<string, StationContext>;
  let retries: CheckRetries;
  const turns: string[] = [];

  beforeEach(() => {
    jest.useFakeTimers();
    held = new Map([['CS1', ctx]]);
    retries = new CheckRetries({ get: (id: string) => held.get(id) } as never, { OCPP_PROFILE_CHECK_RETRY_MS: 1000 } as never, silent);
    turns.length = 0;
    retries.runIn(
      (stationId, work) => {
        turns.push(stationId);
        return work();
      },
      async () => undefined,
    );
  });
  afterEach(() => {
    jest.useRealTimers();
  });

  const run = () => jest.fn(async (_ctx: StationContext | undefined) => false);

  it('runs the check after its wait, in the station turn, with the socket it was scheduled on', async () => {
    const check = run();
    expect(retries.schedule('CS1', 2, check)).toBe(true);
    await jest.advanceTimersByTimeAsync(1999);
    expect(check).not.toHaveBeenCalled();
    await jest.advanceTimersByTimeAsync(1);
    await retries.settled();
    expect(check).toHaveBeenCalledWith(ctx);
    expect(turns).toEqual(['CS1']);
  });

  it('schedules nothing once the attempts are spent', () => {
    expect(retries.schedule('CS1', CHECK_RETRY_ATTEMPTS + 1, run())).toBe(false);
  });

  it('asks again through the bus a check whose pass went through the bus (the socket on another replica), unless the station reconnected here meanwhile', async () => {
    const remote = run();
    expect(retries.schedule('CS2', 1, remote)).toBe(true);
    await jest.advanceTimersByTimeAsync(1000);
    await retries.settled();
    expect(remote).toHaveBeenCalledWith(undefined);
    const movedHere = run();
    retries.schedule('CS2', 1, movedHere);
    held.set('CS2', { stationId: 'CS2' } as unknown as StationContext);
    await jest.advanceTimersByTimeAsync(1000);
    await retries.settled();
    expect(movedHere).not.toHaveBeenCalled();
  });

  it('keeps one retry per station: a later one replaces it, a cancel drops it', async () => {
    const first = run();
    const second = run();
    retries.schedule('CS1', 1, first);
    retries.schedule('CS1', 1, second);
    await jest.advanceTimersByTimeAsync(1000);
    await retries.settled();
    expect(first).not.toHaveBeenCalled();
    expect(second).toHaveBeenCalledTimes(1);
    const third = run();
    retries.schedule('CS1', 1, third);
    retries.cancel('CS1');
    await jest.advanceTimersByTimeAsync(10_000);
    await retries.settled();
    expect(third).not.toHaveBeenCalled();
  });

  it('drops a retry whose station went offline or reconnected meanwhile (its reconnect sends and checks everything)', async () => {
    const offline = run();
    retries.schedule('CS1', 1, offline);
    held.delete('CS1');
    await jest.advanceTimersByTimeAsync(1000);
    const reconnected = run();
    held.set('CS1', ctx);
    retries.schedule('CS1', 1, reconnected);
    held.set('CS1', { stationId: 'CS1' } as unknown as StationContext);
    await jest.advanceTimersByTimeAsync(1000);
    await retries.settled();
    expect(offline).not.toHaveBeenCalled();
    expect(reconnected).not.toHaveBeenCalled();
  });

  it('drops a retry cancelled while it waited for the station turn (a pass checked again)', async () => {
    let release = () => {};
    const pass = new Promise<void>((r) => (release = r));
    retries.runIn(async (_stationId, work) => {
      await pass;
      return work();
    }, async () => undefined);
    const check = run();
    retries.schedule('CS1', 1, check);
    await jest.advanceTimersByTimeAsync(1000);
    retries.cancel('CS1');
    release();
    await retries.settled();
    expect(check).not.toHaveBeenCalled();
  });

  it('sends the current plan again after a retry found its row reopened', async () => {
    const again = jest.fn(async (_stationId: string) => undefined);
    retries.runIn((_stationId, work) => work(), again);
    retries.schedule('CS1', 1, async () => true);
    await jest.advanceTimersByTimeAsync(1000);
    await retries.settled();
    expect(again).toHaveBeenCalledWith('CS1');
  });

  it('schedules nothing and runs nothing once stopping', async () => {
    const check = run();
    retries.schedule('CS1', 1, check);
    await retries.onModuleDestroy();
    expect(retries.schedule('CS1', 1, run())).toBe(false);
    await jest.advanceTimersByTimeAsync(10_000);
    expect(check).not.toHaveBeenCalled();
  });
});
