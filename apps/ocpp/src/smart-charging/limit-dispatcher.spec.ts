import { failureOf } from './limit-dispatcher.js';

describe('failureOf (how an unaccepted SetChargingProfile is published)', () => {
  const cases: [string, Parameters<typeof failureOf>[0], string][] = [
    ['charger Rejected', { status: 'ok', payload: { status: 'Rejected' } }, 'Rejected'],
    ['charger NotSupported', { status: 'ok', payload: { status: 'NotSupported' } }, 'NotSupported'],
    ['no answer in time', { status: 'error', code: 'Timeout', description: 'x' }, 'Timeout'],
    // Never sent, queued behind earlier calls: as unanswered as a timeout, not a charger error.
    ['still queued at its timeout', { status: 'error', code: 'QueueTimeout', description: 'x' }, 'Timeout'],
    ['station offline', { status: 'error', code: 'Offline', description: 'x' }, 'Offline'],
    ['CallError NotImplemented', { status: 'error', code: 'NotImplemented', description: 'x' }, 'NotSupported'],
    ['other CallError', { status: 'error', code: 'InternalError', description: 'x' }, 'Error'],
  ];
  for (const [name, reply, expected] of cases) it(name, () => expect(failureOf(reply)).toBe(expected));
});
