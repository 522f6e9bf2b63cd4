import { subjectMatches, subjectsOverlap } from './subject-match.js';

describe('subjectMatches', () => {
  it.each([
    ['a.b.c', 'a.b.c', true],
    ['a.b.c', 'a.b', false],
    ['a.b', 'a.b.c', false],
    ['a.*.c', 'a.x.c', true],
    ['a.*', 'a.x.y', false],
    ['*', 'a', true],
    ['a.>', 'a.x', true],
    ['a.>', 'a.x.y.z', true],
    ['a.>', 'a', false],
    ['>', 'anything.at.all', true],
    ['a.*.>', 'a.x', false],
    ['a.*.>', 'a.x.y', true],
    ['ocpp.station.>', 'ocpp.command.TW-TPE-0001', false],
    // Invalid subjects and patterns match nothing.
    ['a..b', 'a..b', false],
    ['a.>.b', 'a.x.b', false],
    ['a.b', 'a.b.', false],
  ])('%s matches %s: %s', (pattern, subject, expected) => {
    expect(subjectMatches(pattern, subject)).toBe(expected);
  });
});

describe('subjectsOverlap', () => {
  it.each([
    ['ocpp.>', 'ocpp.command.*', true],
    ['ocpp.station.>', 'ocpp.command.*', false],
    ['ocpi.command.>', 'ocpi.token.authorize', false],
    ['ocpi.*.authorize', 'ocpi.token.>', true],
    ['a.*', 'a.b.c', false],
    ['a.*', '*.b', true],
    ['a.b', 'a.b', true],
    ['a.b', 'a.c', false],
    ['>', 'x', true],
  ])('%s and %s overlap: %s', (a, b, expected) => {
    expect(subjectsOverlap(a, b)).toBe(expected);
    expect(subjectsOverlap(b, a)).toBe(expected);
  });
});
