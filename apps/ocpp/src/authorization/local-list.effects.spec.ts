import { listSizeAfter, localListProblems } from './local-list.effects.js';

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

describe('localListProblems', () => {
  it('refuses an idTag listed twice, in any case (OCPP 1.6 §5.15: idTags MUST be unique)', () => {
    const list = [{ idTag: '04a2', idTagInfo: accepted }, { idTag: 'B' }, { idTag: '04A2', idTagInfo: accepted }];
    expect(localListProblems({ listVersion: 5, updateType: 'Differential', localAuthorizationList: list })).toEqual({ 'localAuthorizationList/2/idTag': expect.stringContaining('entry 0') });
    expect(localListProblems({ listVersion: 5, updateType: 'Full', localAuthorizationList: list.slice(0, 2) })).toBeUndefined();
  });

  it('refuses a version the charger would report as "not supported" or "empty" while it holds tags', () => {
    const tags = [{ idTag: 'A', idTagInfo: accepted }];
    expect(localListProblems({ listVersion: -1, updateType: 'Full' })).toEqual({ listVersion: expect.any(String) });
    expect(localListProblems({ listVersion: 0, updateType: 'Full', localAuthorizationList: tags })).toEqual({ listVersion: expect.any(String) });
    expect(localListProblems({ listVersion: 0, updateType: 'Differential', localAuthorizationList: tags })).toEqual({ listVersion: expect.any(String) });
    expect(localListProblems({ listVersion: 0, updateType: 'Full' })).toBeUndefined();
    expect(localListProblems({ listVersion: 0, updateType: 'Full', localAuthorizationList: [] })).toBeUndefined();
    expect(localListProblems({ listVersion: 1, updateType: 'Differential', localAuthorizationList: tags })).toBeUndefined();
  });
});
