import { listSizeAfter } from './local-list.effects.js';

const accepted = { status: 'Accepted' as const };

describe('listSizeAfter', () => {
  it('a Full update holds its distinct tags; an empty one empties the list', () => {
    expect(listSizeAfter({ listVersion: 3, updateType: 'Full', localAuthorizationList: [{ idTag: 'A', idTagInfo: accepted }, { idTag: 'B', idTagInfo: accepted }, { idTag: 'A', idTagInfo: accepted }] })).toBe(2);
    expect(listSizeAfter({ listVersion: 4, updateType: 'Full' })).toBe(0);
    expect(listSizeAfter({ listVersion: 5, updateType: 'Full', localAuthorizationList: [{ idTag: '04a2', idTagInfo: accepted }, { idTag: '04A2', idTagInfo: accepted }] })).toBe(1);
  });

  it('a Differential that changes entries leaves the size unknown; an empty one keeps it', () => {
    expect(listSizeAfter({ listVersion: 5, updateType: 'Differential', localAuthorizationList: [{ idTag: 'C', idTagInfo: accepted }] })).toBeNull();
    expect(listSizeAfter({ listVersion: 5, updateType: 'Differential', localAuthorizationList: [{ idTag: 'A' }] })).toBeNull();
    expect(listSizeAfter({ listVersion: 6, updateType: 'Differential', localAuthorizationList: [] })).toBeUndefined();
  });
});
