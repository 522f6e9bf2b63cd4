import type { IncomingMessage } from 'node:http';
import { jest } from '@jest/globals';
import pino from 'pino';
import type { OcppConfig } from '../config.js';
import { PasswordVerifier } from '../stations/password.js';
import type { StationKeysRepository } from '../stations/station-keys.repository.js';
import type { StationAdmission, StationRepository } from '../stations/station.repository.js';
import { StationAdmitter } from './station-admission.js';

const upgrade = { headers: { 'sec-websocket-protocol': 'ocpp1.6' }, socket: {} } as unknown as IncomingMessage;

/** An unknown identity that is a known station's id in another letter case, under each registering policy. */
describe('StationAdmitter and case variants of known stations', () => {
  const setup = (policy: OcppConfig['OCPP_UNKNOWN_STATION_POLICY']) => {
    const rows = new Map<string, StationAdmission>();
    const row = (id: string) => ({ id, securityProfile: 0, passwordHash: null, pendingPasswordHash: null, earlierPendingPasswordHash: null, registrationStatus: 'Accepted', autoRegistered: false }) as StationAdmission;
    const caseVariantOf = jest.fn(async (id: string) => [...rows.keys()].sort().find((k) => k !== id && k.toLowerCase() === id.toLowerCase()));
    const registerUnknown = jest.fn(async (id: string) => (rows.has(id) ? false : (rows.set(id, row(id)), true)));
    const stations = { admission: async (id: string) => rows.get(id), caseVariantOf, registerUnknown } as unknown as StationRepository;
    const warnings: Record<string, unknown>[] = [];
    const logger = pino({ level: 'warn' }, { write: (line: string) => void warnings.push(JSON.parse(line) as Record<string, unknown>) });
    const config = { OCPP_UNKNOWN_STATION_POLICY: policy, OCPP_SUBPROTOCOLS: ['ocpp1.6'], OCPP_PENDING_STATIONS_MAX: 0 } as unknown as OcppConfig;
    const admitter = new StationAdmitter(stations, {} as StationKeysRepository, new PasswordVerifier(), config, logger);
    rows.set('CP01', row('CP01'));
    return { admitter, rows, caseVariantOf, registerUnknown, warnings };
  };

  it('under auto-register a case variant is refused 404 and not registered, with one warning naming both ids per interval', async () => {
    const { admitter, rows, registerUnknown, warnings } = setup('auto-register');
    for (const id of ['cp01', 'Cp01', 'cp01']) expect(await admitter.admit(id, upgrade)).toEqual({ ok: false, status: 404, reason: 'unknown charge point identity', reported: true });
    expect(registerUnknown).not.toHaveBeenCalled();
    expect([...rows.keys()]).toEqual(['CP01']);
    expect(warnings).toEqual([expect.objectContaining({ stationId: 'cp01', existingStationId: 'CP01', msg: expect.stringMatching(/letter case/) })]);
  });

  it('a known station is admitted without the look-up, its case variants too once they are stations of their own', async () => {
    const { admitter, rows, caseVariantOf } = setup('auto-register');
    expect(await admitter.admit('CP01', upgrade)).toMatchObject({ ok: true, station: { id: 'CP01' } });
    rows.set('cp01', { ...rows.get('CP01')!, id: 'cp01' });
    expect(await admitter.admit('cp01', upgrade)).toMatchObject({ ok: true, station: { id: 'cp01' } });
    expect(caseVariantOf).not.toHaveBeenCalled();
  });

  it('under auto-register a new identity with no case variant still registers (one look-up)', async () => {
    const { admitter, caseVariantOf } = setup('auto-register');
    expect(await admitter.admit('CP02', upgrade)).toMatchObject({ ok: true, station: { id: 'CP02' } });
    expect(caseVariantOf).toHaveBeenCalledTimes(1);
  });

  it('under pending the case variant is quarantined like any unknown identity (an operator reviews it), without the look-up', async () => {
    const { admitter, caseVariantOf } = setup('pending');
    expect(await admitter.admit('cp01', upgrade)).toMatchObject({ ok: true, station: { id: 'cp01' } });
    expect(caseVariantOf).not.toHaveBeenCalled();
  });
});
