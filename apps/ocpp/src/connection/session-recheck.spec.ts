import { credentialsFingerprint } from './identity.js';
import type { LiveStationSettings } from './session-recheck.repository.js';
import { missedChange, type SessionView } from './session-recheck.js';

const stored = (s: Partial<LiveStationSettings> = {}): LiveStationSettings => ({
  id: 'CP-1',
  passwordHash: 'scrypt$16384$8$1$salt$old',
  securityProfile: 1,
  registrationStatus: 'Accepted',
  validationPolicy: 'strict',
  autoRegistered: false,
  ...s,
});

/** A session admitted under `stored()` as it is now: accepted at boot, known, strict. */
const session = (s: Partial<SessionView> = {}): SessionView => ({
  stationId: 'CP-1',
  credentials: credentialsFingerprint(stored()),
  known: true,
  registration: 'Accepted',
  validationPolicy: 'strict',
  ...s,
});

describe('missedChange (what a lost ocpp.session.station-changed notice would have done)', () => {
  it('finds nothing when the station is stored as the session knows it', () => {
    expect(missedChange(session(), stored())).toBeUndefined();
    // A Pending or Rejected session keeps that state until its next boot, whatever the operator set.
    expect(missedChange(session({ registration: 'Pending' }), stored({ registrationStatus: 'Rejected' }))).toBeUndefined();
    expect(missedChange(session({ registration: 'Unknown' }), stored({ registrationStatus: 'Pending' }))).toBeUndefined();
  });

  it('closes the session of a deleted station', () => {
    expect(missedChange(session(), undefined)).toEqual({ stationId: 'CP-1', deleted: true });
    expect(missedChange(session({ credentials: undefined }), undefined)).toEqual({ stationId: 'CP-1', deleted: true });
  });

  it('closes a session admitted under another password or security profile', () => {
    expect(missedChange(session(), stored({ passwordHash: 'scrypt$16384$8$1$salt$new' }))).toEqual({ stationId: 'CP-1', credentialsChanged: true });
    expect(missedChange(session(), stored({ securityProfile: 2 }))).toEqual({ stationId: 'CP-1', credentialsChanged: true });
    expect(missedChange(session(), stored({ passwordHash: null }))).toEqual({ stationId: 'CP-1', credentialsChanged: true });
    // Admitted without a key under profile 0; the operator then set one.
    const open = session({ credentials: credentialsFingerprint({ passwordHash: null, securityProfile: 0 }) });
    expect(missedChange(open, stored())).toEqual({ stationId: 'CP-1', credentialsChanged: true });
  });

  it('closing wins over the other settings that changed with the credentials', () => {
    expect(missedChange(session(), stored({ securityProfile: 2, validationPolicy: 'off', registrationStatus: 'Rejected' }))).toEqual({ stationId: 'CP-1', credentialsChanged: true });
  });

  it('leaves the credentials alone while the session records its own key change, and still applies the rest', () => {
    const recording = session({ credentials: undefined });
    expect(missedChange(recording, stored({ passwordHash: 'scrypt$16384$8$1$salt$rotated' }))).toBeUndefined();
    expect(missedChange(recording, stored({ passwordHash: 'x', validationPolicy: 'lenient' }))).toEqual({ stationId: 'CP-1', validationPolicy: 'lenient' });
  });

  it('brings a new validation policy and a withdrawn acceptance', () => {
    expect(missedChange(session(), stored({ validationPolicy: 'off' }))).toEqual({ stationId: 'CP-1', validationPolicy: 'off' });
    expect(missedChange(session(), stored({ registrationStatus: 'Rejected' }))).toEqual({ stationId: 'CP-1', registrationStatus: 'Rejected' });
    expect(missedChange(session(), stored({ registrationStatus: 'Pending', validationPolicy: 'lenient' }))).toEqual({
      stationId: 'CP-1',
      registrationStatus: 'Pending',
      validationPolicy: 'lenient',
    });
  });

  it('makes a quarantined station known once an operator set or accepted it', () => {
    const quarantined = session({ known: false, registration: 'Pending' });
    expect(missedChange(quarantined, stored({ autoRegistered: true, registrationStatus: 'Pending' }))).toBeUndefined();
    expect(missedChange(quarantined, stored({ autoRegistered: true, registrationStatus: 'Accepted' }))).toEqual({ stationId: 'CP-1' });
    expect(missedChange(quarantined, stored({ autoRegistered: false, registrationStatus: 'Pending' }))).toEqual({ stationId: 'CP-1' });
  });
});
