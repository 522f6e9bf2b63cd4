import { nextState, type ConnectionEvent, type ConnectionState } from './connection-state.js';

const run = (from: ConnectionState, ...events: ConnectionEvent[]) => events.reduce(nextState, from);

describe('connection state machine', () => {
  it('walks the ELMO registration flow to CONNECTED', () => {
    expect(run('UNREGISTERED', 'register_accepted', 'peer_registered', 'handshake_received', 'ack_accepted')).toBe('CONNECTED');
  });

  it('does not move back when our 204 is processed after the peer Register arrived', () => {
    expect(run('UNREGISTERED', 'peer_registered', 'register_accepted')).toBe('REGISTERED');
    expect(run('CONNECTED', 'peer_registered', 'handshake_received', 'register_accepted')).toBe('HANDSHAKE_RECEIVED');
  });

  it('goes offline on heartbeat expiry and back only through a handshake', () => {
    expect(run('CONNECTED', 'heartbeat_expired')).toBe('OFFLINE');
    expect(run('OFFLINE', 'ack_accepted')).toBe('OFFLINE');
    expect(run('OFFLINE', 'handshake_received', 'ack_accepted')).toBe('CONNECTED');
  });

  it('needs a resync after a rejection or a failed ack, and a token after a failed first register', () => {
    expect(run('CONNECTED', 'rejected')).toBe('NEEDS_RESYNC');
    expect(run('HANDSHAKE_RECEIVED', 'ack_failed')).toBe('NEEDS_RESYNC');
    expect(run('NEEDS_RESYNC', 'register_accepted')).toBe('REGISTER_SENT');
    expect(run('UNREGISTERED', 'register_failed')).toBe('NEEDS_TOKEN');
    expect(run('NEEDS_TOKEN', 'initial_token_set')).toBe('UNREGISTERED');
    expect(run('UNREGISTERED', 'register_accepted', 'register_timeout')).toBe('NEEDS_TOKEN');
    expect(run('REGISTERED', 'register_timeout')).toBe('REGISTERED');
  });

  it('is unregistered by DELETE from any state', () => {
    for (const s of ['REGISTERED', 'CONNECTED', 'OFFLINE'] as const) expect(nextState(s, 'unregistered')).toBe('UNREGISTERED');
  });
});
