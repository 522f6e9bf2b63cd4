import type { SessionTokenRoute } from '../tokens/token-routes.repository.js';
import { COMMAND_CLOCK_SKEW_S, COMMAND_START_WINDOW_S, commandCredit } from './command-credit.js';

const at = new Date('2026-06-01T10:00:00Z');
const route = (r: Partial<SessionTokenRoute> = {}): SessionTokenRoute => ({
  emsp: { countryCode: 'FR', partyId: 'OLD' },
  authorizationReference: null,
  locationId: 'LOC-1',
  tokenType: 'OTHER',
  contractId: 'FR-OLD-1',
  authMethod: 'COMMAND',
  at,
  commandTransactionId: null,
  ...r,
});
const started = (offsetS: number, t: { transactionId?: number; reference?: string } = {}) => ({
  transactionId: t.transactionId ?? 7,
  startedAt: new Date(at.getTime() + offsetS * 1000).toISOString(),
  reference: t.reference,
});

describe('commandCredit: which transaction a START_SESSION started', () => {
  it('a command without a reference: its first transaction started within the window', () => {
    expect(commandCredit(route(), started(30))).toBe('window');
    expect(commandCredit(route(), started(COMMAND_START_WINDOW_S))).toBe('window');
    expect(commandCredit(route(), started(-COMMAND_CLOCK_SKEW_S))).toBe('window');
  });

  it('a transaction started after the window, or before the command, is the card’s own', () => {
    expect(commandCredit(route(), started(COMMAND_START_WINDOW_S + 1))).toBeUndefined();
    expect(commandCredit(route(), started(-COMMAND_CLOCK_SKEW_S - 1))).toBeUndefined();
    expect(commandCredit(route(), started(24 * 3600))).toBeUndefined();
  });

  it('once credited to a transaction, only that one (redelivered) is the command’s', () => {
    const claimed = route({ commandTransactionId: 7 });
    expect(commandCredit(claimed, started(30, { transactionId: 7 }))).toBe('window');
    expect(commandCredit(claimed, started(60, { transactionId: 8 }))).toBeUndefined();
  });

  it('a start stamped by a charger clock minutes ahead counts at its receipt (ocpp takes a stamp up to 15 min ahead as sent)', () => {
    // Received 30 s after the command, stamped 10 min later than that by a fast clock.
    const ahead = { ...started(30 + 600), receivedAt: new Date(at.getTime() + 30_000).toISOString() };
    expect(commandCredit(route(), ahead)).toBe('window');
    // Stamped within the window and received after it (held by the charger): the command's, as before.
    expect(commandCredit(route(), { ...started(60), receivedAt: new Date(at.getTime() + (COMMAND_START_WINDOW_S + 60) * 1000).toISOString() })).toBe('window');
    // A stamp an hour ahead of its receipt is none ocpp took as sent (it records those at receipt): kept as it is.
    expect(commandCredit(route(), { ...started(30 + 3600), receivedAt: new Date(at.getTime() + 30_000).toISOString() })).toBeUndefined();
  });

  it('a start stamped before the command stays the card’s own when received after it (queued offline)', () => {
    expect(commandCredit(route(), { ...started(-COMMAND_CLOCK_SKEW_S - 1), receivedAt: new Date(at.getTime() + 30_000).toISOString() })).toBeUndefined();
  });

  it('a command with a reference: the transaction holding it, whenever it started; no other', () => {
    const referenced = route({ authorizationReference: 'ref-1' });
    expect(commandCredit(referenced, started(24 * 3600, { reference: 'ref-1' }))).toBe('reference');
    expect(commandCredit(referenced, started(30))).toBeUndefined();
    expect(commandCredit(referenced, started(30, { reference: 'ref-2' }))).toBeUndefined();
  });

  it('a real-time authorisation’s route is never COMMAND', () => {
    expect(commandCredit(route({ authMethod: 'AUTH_REQUEST' }), started(30))).toBeUndefined();
    expect(commandCredit(route({ authMethod: 'AUTH_REQUEST', authorizationReference: 'ref-1' }), started(30, { reference: 'ref-1' }))).toBeUndefined();
  });
});
