import { jest } from '@jest/globals';
import type { ConsumerHost } from '@cpo/messaging';
import type { OcpiCommandRequested, OcppCommandRequest } from '@cpo/contracts';
import { OCPI_COMMAND_DEADLINE_S } from './command-deadline.js';
import { OcpiCommandsConsumer } from './ocpi-commands.consumer.js';

type AfterCommit = (events: { payload: OcpiCommandRequested }[]) => void;

/**
 * The consumer with a charger that unlocks: runs `command` as after its commit and gives what the
 * charger call was sent with (CommandService.send: no timeoutMs is the station default, 30 s) and the result.
 */
async function run(command: OcpiCommandRequested) {
  let afterCommit: AfterCommit | undefined;
  const consumers = { register: (spec: { afterCommit: AfterCommit }) => (afterCommit = spec.afterCommit) } as unknown as ConsumerHost;
  const sent: OcppCommandRequest[] = [];
  const ocpp = { send: jest.fn(async (_stationId: string, request: OcppCommandRequest) => (sent.push(request), { status: 'ok', payload: { status: 'Unlocked' } })) };
  const settled: { result: string }[] = [];
  const commands = { settle: async (_tx: unknown, _id: string, result: string) => (settled.push({ result }), true) };
  const outbox = { enqueue: async () => undefined };
  const db = { transaction: async (work: (tx: unknown) => Promise<void>) => work({}) };
  let held: Promise<void> | undefined;
  const drain = { stopping: false, hold: (p: Promise<void>) => (held = p) };
  const logger = { warn: jest.fn(), error: jest.fn(), info: jest.fn() };
  const none = {} as never;
  const consumer = new OcpiCommandsConsumer(consumers, commands as never, none, ocpp as never, drain as never, none, outbox as never, none, db as never, logger as never);
  consumer.onModuleInit();
  afterCommit!([{ payload: command }]);
  await held;
  return { sent, settled };
}

const unlock = (requestedAt: Date): OcpiCommandRequested => ({
  commandId: '3f1c2f9e-8a4b-4c59-9e0f-6d2b1a7c5e10',
  type: 'UNLOCK_CONNECTOR',
  stationId: 'CP-1',
  connectorId: 1,
  parameters: {},
  requestedAt: requestedAt.toISOString(),
});

describe('OcpiCommandsConsumer: the charger call of an OCPI command gets the time left before its deadline', () => {
  it('a command with 48 s left waits for the charger up to those 48 s, not the 30 s station default (answered TIMEOUT while the charger could still answer)', async () => {
    const { sent, settled } = await run(unlock(new Date(Date.now() - 2_000)));
    expect(sent).toHaveLength(1);
    const timeoutMs = sent[0]!.timeoutMs!;
    expect(timeoutMs).toBeGreaterThan(30_000);
    expect(timeoutMs).toBeLessThanOrEqual(OCPI_COMMAND_DEADLINE_S * 1000 - 2_000);
    expect(settled).toEqual([{ result: 'ACCEPTED' }]);
  });

  it('a command close to its deadline gets only what is left', async () => {
    const { sent } = await run(unlock(new Date(Date.now() - OCPI_COMMAND_DEADLINE_S * 1000 + 4_000)));
    expect(sent[0]!.timeoutMs).toBeGreaterThan(0);
    expect(sent[0]!.timeoutMs).toBeLessThanOrEqual(4_000);
  });

  it('never more than the deadline, even with a command stamped ahead of our clock', async () => {
    const { sent } = await run(unlock(new Date(Date.now() + 60_000)));
    expect(sent[0]!.timeoutMs).toBeLessThanOrEqual(OCPI_COMMAND_DEADLINE_S * 1000);
    expect(Number.isInteger(sent[0]!.timeoutMs)).toBe(true);
  });
});
