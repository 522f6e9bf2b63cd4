import { checkTransition, compareVersions, isTerminal, skipsAcknowledgement } from './commands.js';
import { CommandStatuses, type CommandStatus } from './types.js';

describe('command status transitions', () => {
  const allowed: [CommandStatus, CommandStatus][] = [
    ['REQUESTED', 'PROCESSING'],
    ['REQUESTED', 'ERROR'],
    ['REQUESTED', 'COMPLETED'],
    ['REQUESTED', 'CANCELLED'],
    ['PROCESSING', 'COMPLETED'],
    ['PROCESSING', 'CANCELLED'],
    ['PROCESSING', 'ERROR'],
  ];

  it('allows exactly the documented transitions, a repeat is a no-op, anything else is invalid', () => {
    for (const from of CommandStatuses) {
      for (const to of CommandStatuses) {
        const expected = from === to ? 'noop' : allowed.some(([f, t]) => f === from && t === to) ? 'apply' : 'invalid';
        expect([from, to, checkTransition(from, to)]).toEqual([from, to, expected]);
      }
    }
  });

  it('knows terminal statuses and acknowledgement skips', () => {
    expect(CommandStatuses.filter(isTerminal)).toEqual(['COMPLETED', 'CANCELLED', 'ERROR']);
    expect(skipsAcknowledgement('REQUESTED', 'COMPLETED')).toBe(true);
    expect(skipsAcknowledgement('PROCESSING', 'COMPLETED')).toBe(false);
    expect(skipsAcknowledgement('REQUESTED', 'ERROR')).toBe(false);
  });
});

describe('compareVersions', () => {
  it.each([
    ['v1.1.1', 'v1.1.0', 1],
    ['1.2.0', 'v1.10.0', -1],
    ['v2.0.0', 'V2.0.0', 0],
    ['v1.0', 'v1.0.0', undefined],
    ['beta', 'v1.0.0', undefined],
  ])('%s vs %s', (a, b, sign) => {
    const result = compareVersions(a, b);
    expect(result === undefined ? undefined : Math.sign(result)).toBe(sign);
  });
});
