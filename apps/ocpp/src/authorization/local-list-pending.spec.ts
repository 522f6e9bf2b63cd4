import { repairOutcome, settle, worthRepairing, writtenKeys, type PendingUpdate } from './local-list-pending.js';

const accepted = { status: 'Accepted' as const };
const pending = (p: Partial<Omit<PendingUpdate, 'before'>> & { before?: Partial<PendingUpdate['before']> }): PendingUpdate => ({
  listVersion: 4,
  updateType: 'Differential',
  localAuthorizationList: [{ idTag: 'A', idTagInfo: { status: 'Blocked' } }],
  ...p,
  before: { listVersion: 3, certain: true, entries: [{ key: 'a', idTag: 'A', idTagInfo: accepted }], ...p.before },
});

describe('worthRepairing', () => {
  it('a Full update always (its version alone says what the charger holds); a Differential only on a list known before it', () => {
    expect(worthRepairing('Full', { listVersion: null, certain: false })).toBe(true);
    expect(worthRepairing('Differential', { listVersion: 3, certain: true })).toBe(true);
    expect(worthRepairing('Differential', { listVersion: 3, certain: false })).toBe(false);
    expect(worthRepairing('Differential', { listVersion: null, certain: true })).toBe(false);
  });
});

describe('repairOutcome', () => {
  it("the update's version: applied; the version before it: reverted; any other (an empty list, no support, a list we do not know): unknown", () => {
    const p = pending({});
    expect(repairOutcome(p, 4)).toBe('applied');
    expect(repairOutcome(p, 3)).toBe('reverted');
    for (const v of [0, -1, 5, 2]) expect(repairOutcome(p, v)).toBe('unknown');
  });

  it('a version that cannot tell the two apart settles nothing; without a version before it, only the update\'s own version tells', () => {
    expect(repairOutcome(pending({ listVersion: 3, updateType: 'Full' }), 3)).toBe('unknown');
    const unknownBefore = pending({ updateType: 'Full', before: { listVersion: null, certain: false } });
    expect(repairOutcome(unknownBefore, 4)).toBe('applied');
    expect(repairOutcome(unknownBefore, 3)).toBe('unknown');
  });

  it('a Full update emptying the list (version 0) is applied when the charger reports 0', () => {
    expect(repairOutcome(pending({ listVersion: 0, updateType: 'Full', localAuthorizationList: [] }), 0)).toBe('applied');
  });
});

describe('settle', () => {
  it('applied: certain if the update was Full or the list was certain before it; reverted: as certain as the list was', () => {
    expect(settle(pending({}), 4)).toEqual({ outcome: 'applied', reportedVersion: 4, pendingVersion: 4, previousVersion: 3, updateType: 'Differential', certain: true });
    expect(settle(pending({ updateType: 'Full', before: { listVersion: null, certain: false } }), 4)).toMatchObject({ outcome: 'applied', certain: true });
    expect(settle(pending({ updateType: 'Full', before: { listVersion: 2, certain: false } }), 2)).toMatchObject({ outcome: 'reverted', certain: false });
    expect(settle(pending({}), 3)).toMatchObject({ outcome: 'reverted', certain: true });
    expect(settle(pending({}), 9)).toMatchObject({ outcome: 'unknown', certain: false });
  });
});

describe('writtenKeys', () => {
  it('the tags written (with idTagInfo), lower-cased, once; removals write none', () => {
    expect(writtenKeys([{ idTag: 'A1', idTagInfo: accepted }, { idTag: 'a1', idTagInfo: accepted }, { idTag: 'B' }, { idTag: 'C', idTagInfo: accepted }])).toEqual(['a1', 'c']);
  });
});
