import { jest } from '@jest/globals';
import type { Logger } from 'pino';
import type { OcppConfig } from '../config.js';
import { CommandDrain } from './command-drain.js';
import type { StationSession } from './station-session.js';

const logger = { warn: jest.fn() } as unknown as Logger;
const session = (drained: Promise<void>) => ({ drained: () => drained }) as unknown as StationSession;

describe('CommandDrain.answerReceived (CALLs chargers sent before their replica stops)', () => {
  it('waits for the CALLs being handled, and no longer', async () => {
    const drain = new CommandDrain({ SHUTDOWN_TIMEOUT_MS: 10_000 } as OcppConfig, logger);
    drain.onModuleDestroy();
    let answer!: () => void;
    let done = false;
    const waiting = drain.answerReceived([session(Promise.resolve()), session(new Promise((resolve) => (answer = resolve)))]).then(() => (done = true));
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(done).toBe(false);
    answer();
    await waiting;
    expect(done).toBe(true);
  });

  it('gives up at 60 % of SHUTDOWN_TIMEOUT_MS after the shutdown began: a CALL that never ends cannot hold the sockets until the forced exit', async () => {
    const drain = new CommandDrain({ SHUTDOWN_TIMEOUT_MS: 1_000 } as OcppConfig, logger);
    drain.onModuleDestroy();
    const started = Date.now();
    await drain.answerReceived([session(new Promise(() => undefined))]);
    expect(Date.now() - started).toBeGreaterThanOrEqual(590);
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(logger.warn).toHaveBeenCalledWith({ stations: 1 }, expect.stringContaining('unanswered'));
  });
});

describe('CommandDrain.leaveRecorded (disconnections before the sockets close)', () => {
  it('gives up at 70 % of SHUTDOWN_TIMEOUT_MS: a Redis or database that stopped answering cannot keep the close frames from the chargers', async () => {
    const drain = new CommandDrain({ SHUTDOWN_TIMEOUT_MS: 1_000 } as OcppConfig, logger);
    drain.onModuleDestroy();
    const started = Date.now();
    await drain.leaveRecorded(3, new Promise(() => undefined));
    expect(Date.now() - started).toBeGreaterThanOrEqual(690);
    expect(logger.warn).toHaveBeenCalledWith({ stations: 3 }, expect.stringContaining('closing the sockets anyway'));
  });
});
