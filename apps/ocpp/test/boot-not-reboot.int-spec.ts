import { Subjects } from '@cpo/contracts';
import type { ChargePoint16 } from '@cpo/ocpp-chargepoint';
import { api, ocppSuite, RawClient, send, uniqueStation } from './harness.js';

const BOOT = { chargePointVendor: 'Acme', chargePointModel: 'S1' };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The next CALL of `action` the central system sends this client. */
async function nextCall(client: RawClient, action: string): Promise<unknown[]> {
  for (;;) {
    const frame = (await client.next()) as unknown[];
    if (frame[0] === 2 && frame[2] === action) return frame;
  }
}

/**
 * A BootNotification the charger sends without rebooting is answered but not recorded as a reboot:
 * a retransmission (it missed our answer) and one we asked for with TriggerMessage. `booted_at`
 * stays, and what waits for the reboot (staged configuration, the lost-stop rule) keeps waiting.
 */
describe('a BootNotification that is not a reboot', () => {
  const { ocpp, booted, command } = ocppSuite({ OCPP_UNKNOWN_STATION_POLICY: 'reject' });
  const clients: RawClient[] = [];
  afterEach(() => {
    for (const c of clients.splice(0)) c.close();
  });
  const open = async (id: string) => {
    const c = await RawClient.open(`${ocpp().wsUrl}/${id}`);
    clients.push(c);
    return c;
  };
  const station = async (registrationStatus = 'Accepted') => {
    const id = uniqueStation('NOREBOOT');
    expect((await api(ocpp(), 'PUT', `/api/v1/stations/${id}`, { registrationStatus })).status).toBeLessThan(300);
    return id;
  };
  const row = async (id: string) =>
    (await ocpp().db.query<{ booted_at: Date; pending_configuration: Record<string, unknown>; last_boot_status: string; firmware_version: string | null }[]>(
      'SELECT booted_at, pending_configuration, last_boot_status, firmware_version FROM stations WHERE id = $1',
      [id],
    ))[0]!;
  const bootEvents = (id: string) => ocpp().events.of(Subjects.OcppStationBooted, id);

  it('a retransmitted boot (same id, same connection) gets the status we gave, a fresh time, and records no second boot', async () => {
    const id = await station();
    const c = await open(id);
    const frame = [2, 'boot-1', 'BootNotification', BOOT];
    c.send(frame);
    const first = (await c.answer()) as [number, string, { status: string; currentTime: string }];
    expect(first).toEqual([3, 'boot-1', expect.objectContaining({ status: 'Accepted' })]);
    const bootedAt = (await row(id)).booted_at;
    // The operator's change meanwhile is for the next boot: the charger missed the answer it was given.
    expect((await api(ocpp(), 'PUT', `/api/v1/stations/${id}`, { registrationStatus: 'Rejected' })).status).toBe(200);
    await sleep(1100);
    c.send(frame);
    const again = (await c.answer()) as [number, string, { status: string; currentTime: string }];
    expect(again).toEqual([3, 'boot-1', expect.objectContaining({ status: 'Accepted' })]);
    expect(Date.parse(again[2].currentTime)).toBeGreaterThan(Date.parse(first[2].currentTime));
    expect((await row(id)).booted_at).toEqual(bootedAt);
    await sleep(500);
    expect(bootEvents(id)).toHaveLength(1);
  });

  it('a boot we triggered on the connection keeps booted_at and the staged configuration; the next reboot applies it', async () => {
    const id = uniqueStation('NOREBOOT');
    expect((await api(ocpp(), 'PUT', `/api/v1/stations/${id}`, {})).status).toBeLessThan(300);
    let triggeredBoot: Promise<unknown> | undefined;
    let firmware = '1.0';
    const setup = (cp: ChargePoint16) => {
      cp.handle('ChangeConfiguration', () => ({ status: 'RebootRequired' }));
      cp.handle('TriggerMessage', () => {
        // Conf first, then the message (guide §2.7).
        triggeredBoot = sleep(50).then(() => send(cp, 'BootNotification', { ...BOOT, firmwareVersion: firmware }));
        return { status: 'Accepted' };
      });
    };
    const cp = await booted(id, setup);
    expect((await command(id, 'ChangeConfiguration', { key: 'HeartbeatInterval', value: '120' })).body.payload).toEqual({ status: 'RebootRequired' });
    const before = await row(id);
    expect(before.pending_configuration).toHaveProperty('keys');
    await sleep(20);

    firmware = '1.0-reported';
    expect((await command(id, 'TriggerMessage', { requestedMessage: 'BootNotification' })).body.payload).toEqual({ status: 'Accepted' });
    expect(await triggeredBoot).toEqual(expect.objectContaining({ status: 'Accepted' }));
    const after = await row(id);
    expect(after.booted_at).toEqual(before.booted_at);
    expect(after.pending_configuration).toEqual(before.pending_configuration);
    // Details as reported are recorded.
    expect(after.firmware_version).toBe('1.0-reported');
    await sleep(500);
    const events = bootEvents(id);
    expect(events).toHaveLength(2);
    expect(events[1]!['bootedAt']).toBe(events[0]!['bootedAt']);

    // A real reboot (a new connection) is one.
    await cp.stop();
    await booted(id, setup);
    const rebooted = await row(id);
    expect(rebooted.booted_at.getTime()).toBeGreaterThan(before.booted_at.getTime());
    expect(rebooted.pending_configuration).toEqual({});
  });

  it('a boot on the same connection that we did not ask for is a reboot, as is one on a new connection after a trigger', async () => {
    const id = await station();
    const setup = (cp: ChargePoint16) => cp.handle('TriggerMessage', () => ({ status: 'Accepted' }));
    const cp = await booted(id, setup);
    const first = (await row(id)).booted_at;
    await sleep(20);
    expect(await send(cp, 'BootNotification', BOOT)).toEqual(expect.objectContaining({ status: 'Accepted' }));
    const second = (await row(id)).booted_at;
    expect(second.getTime()).toBeGreaterThan(first.getTime());

    // Accepted, but the charger reboots instead of sending it: its boot comes on a new connection.
    expect((await command(id, 'TriggerMessage', { requestedMessage: 'BootNotification' })).body.payload).toEqual({ status: 'Accepted' });
    await cp.stop();
    await sleep(20);
    await booted(id, setup);
    expect((await row(id)).booted_at.getTime()).toBeGreaterThan(second.getTime());
  });

  it('a Pending station accepted by the operator is accepted and onboarded at the boot it is asked for, which is no reboot', async () => {
    const id = await station('Pending');
    const c = await open(id);
    expect(await c.call('BootNotification', BOOT, 'boot-1')).toEqual([3, 'boot-1', expect.objectContaining({ status: 'Pending' })]);
    const bootedAt = (await row(id)).booted_at;
    expect((await api(ocpp(), 'PUT', `/api/v1/stations/${id}`, { registrationStatus: 'Accepted' })).status).toBe(200);
    const trigger = await nextCall(c, 'TriggerMessage');
    expect(trigger[3]).toEqual({ requestedMessage: 'BootNotification' });
    c.send([3, trigger[1], { status: 'Accepted' }]);
    expect(await c.call('BootNotification', BOOT, 'boot-2')).toEqual([3, 'boot-2', expect.objectContaining({ status: 'Accepted' })]);
    // Onboarding: the whole configuration is read.
    const read = await nextCall(c, 'GetConfiguration');
    expect(read[3]).toEqual({});
    const after = await row(id);
    expect(after.booted_at).toEqual(bootedAt);
    expect(after.last_boot_status).toBe('Accepted');
  });
});
