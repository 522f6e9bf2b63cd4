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
