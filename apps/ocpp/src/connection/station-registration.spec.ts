import { CapRefusals, offeredSubprotocols, unknownStationSpeaks, unregisteredStation } from './station-registration.js';
import { initialRegistration, knownStation } from './station-registration.js';

describe('unknown station registration', () => {
  it('reads the offered subprotocols as ws does (commas, optional blanks)', () => {
    expect([...offeredSubprotocols('ocpp0.1, ocpp1.6')]).toEqual(['ocpp0.1', 'ocpp1.6']);
    expect(offeredSubprotocols(undefined).size).toBe(0);
    expect(offeredSubprotocols('').size).toBe(0);
  });

  it('an unknown station speaks only a standard name the server offers (a new row has no quirks)', () => {
    expect(unknownStationSpeaks('ocpp0.1, ocpp1.6', ['ocpp1.6'])).toBe(true);
    expect(unknownStationSpeaks('ocpp1.6.0', ['ocpp1.6'])).toBe(false);
    expect(unknownStationSpeaks('ocpp0.1', ['ocpp1.6'])).toBe(false);
    expect(unknownStationSpeaks(undefined, ['ocpp1.6'])).toBe(false);
  });

  it('the never-stored station of a refused connection is an unknown, unauthenticated one', () => {
    const s = unregisteredStation('CP-1', 'Pending');
    expect(s).toMatchObject({ id: 'CP-1', securityProfile: 0, passwordHash: null, missingSubprotocol: null, subprotocolAliases: {} });
    expect(knownStation(s)).toBe(false);
    expect(initialRegistration(s)).toBe('Unknown');
  });

  it('reports cap refusals at most once per interval, with the count since the last report', () => {
    const refusals = new CapRefusals(60_000);
    expect(refusals.add(0)).toBe(1);
    expect(refusals.add(1_000)).toBeUndefined();
    expect(refusals.add(59_999)).toBeUndefined();
    expect(refusals.add(60_000)).toBe(3);
    expect(refusals.add(60_001)).toBeUndefined();
  });
});
