import { randomUUID } from 'node:crypto';
import { OCPI_OWN_COMMAND_TIMEOUT_S, Subjects, type OcpiCommandRequested } from '@cpo/contracts';
import { EventPublisher } from '@cpo/messaging';
import { eventually } from '@cpo/testing';
import { OCPI_COMMAND_DEADLINE_S } from '../src/roaming/command-deadline.js';
import { startOcpp, testChargers, type OcppHarness } from './harness.js';

/** Publishes an OCPI command as the hub does (requested `ageMs` ago); returns its id. */
async function command(h: OcppHarness, c: Omit<OcpiCommandRequested, 'commandId' | 'requestedAt'>, ageMs = 0): Promise<string> {
  const commandId = randomUUID();
  await h.app.app.get(EventPublisher).publish(Subjects.OcpiCommandRequested, { commandId, requestedAt: new Date(Date.now() - ageMs).toISOString(), ...c });
  return commandId;
}

async function resultOf(h: OcppHarness, commandId: string, timeoutMs = 15_000): Promise<Record<string, unknown> | undefined> {
  await eventually(() => h.events.of(Subjects.OcpiCommandResult).some((e) => e['commandId'] === commandId), timeoutMs);
  return h.events.of(Subjects.OcpiCommandResult).find((e) => e['commandId'] === commandId);
}

describe('OCPI commands: the deadline the hub announces (review)', () => {
  let h: OcppHarness;
  const chargers = testChargers(() => h);
  beforeAll(async () => {
    h = await startOcpp();
  });
  afterAll(async () => {
    await h.close();
  });

  it('a command past the time ocpp may act within the announced timeout is answered TIMEOUT and never reaches the charger', async () => {
    const unlocks: number[] = [];
    const cp = await chargers.booted(undefined, (c) => c.handle('UnlockConnector', (req) => (unlocks.push(req.connectorId), { status: 'Unlocked' })));
    // Past the announced timeout, and inside it but too late for the result to reach the eMSP in time.
    for (const ageS of [OCPI_OWN_COMMAND_TIMEOUT_S + 1, OCPI_COMMAND_DEADLINE_S + 1]) {
      const id = await command(h, { type: 'UNLOCK_CONNECTOR', stationId: cp.identity, connectorId: 1, parameters: {} }, ageS * 1000);
      expect(await resultOf(h, id)).toMatchObject({ result: 'TIMEOUT' });
    }
    expect(unlocks).toEqual([]);
    // In time, the same command does reach the charger.
    const id = await command(h, { type: 'UNLOCK_CONNECTOR', stationId: cp.identity, connectorId: 1, parameters: {} }, (OCPI_COMMAND_DEADLINE_S - 10) * 1000);
    expect(await resultOf(h, id)).toMatchObject({ result: 'ACCEPTED' });
    expect(unlocks).toEqual([1]);
  });
});
