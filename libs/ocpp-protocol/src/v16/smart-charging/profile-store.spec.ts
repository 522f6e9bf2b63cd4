import { ChargingProfileStore } from './profile-store.js';
import type { ChargingProfile, InstallContext } from './types.js';

const T0 = '2025-01-01T00:00:00.000Z';

function profile(overrides: Partial<ChargingProfile> = {}): ChargingProfile {
  return {
    chargingProfileId: 1,
    stackLevel: 0,
    chargingProfilePurpose: 'TxDefaultProfile',
    chargingProfileKind: 'Absolute',
    chargingSchedule: { startSchedule: T0, chargingRateUnit: 'A', chargingSchedulePeriod: [{ startPeriod: 0, limit: 16 }] },
    ...overrides,
  };
}

function withPeriods(periods: ChargingProfile['chargingSchedule']['chargingSchedulePeriod']): ChargingProfile {
  return profile({ chargingSchedule: { startSchedule: T0, chargingRateUnit: 'A', chargingSchedulePeriod: periods } });
}

// Two connectors; a transaction (id 42) runs on connector 1 only.
const ctx: InstallContext = {
  connectorCount: 2,
  activeTransaction: (connectorId) => (connectorId === 1 ? { transactionId: 42, startedAt: new Date(T0) } : undefined),
  limits: { maxStackLevel: 2, maxPeriods: 3, maxProfiles: 4, allowedUnits: ['A'] },
};

const ids = (store: ChargingProfileStore): [number, number][] =>
  store.list().map((e) => [e.connectorId, e.profile.chargingProfileId]);

describe('ChargingProfileStore.install: charger-side validation', () => {
  it.each<[string, number, ChargingProfile, string]>([
    ['connector beyond connectorCount', 3, profile(), 'outside 0..2'],
    ['negative connector', -1, profile(), 'outside 0..2'],
    ['ChargePointMaxProfile on connector 1', 1, profile({ chargingProfilePurpose: 'ChargePointMaxProfile' }), 'only allowed on connector 0'],
    ['TxProfile on connector 0', 0, profile({ chargingProfilePurpose: 'TxProfile' }), 'connector > 0'],
    ['TxProfile without a transaction (connector 2)', 2, profile({ chargingProfilePurpose: 'TxProfile' }), 'needs a running transaction'],
    ['TxProfile pinned to another transaction', 1, profile({ chargingProfilePurpose: 'TxProfile', transactionId: 41 }), 'does not match'],
    ['stackLevel above ChargeProfileMaxStackLevel', 1, profile({ stackLevel: 3 }), 'ChargeProfileMaxStackLevel'],
    [
      'more periods than ChargingScheduleMaxPeriods',
      1,
      withPeriods([0, 60, 120, 180].map((startPeriod) => ({ startPeriod, limit: 10 }))),
      'ChargingScheduleMaxPeriods',
    ],
    [
      'unit not allowed',
      1,
      profile({ chargingSchedule: { startSchedule: T0, chargingRateUnit: 'W', chargingSchedulePeriod: [{ startPeriod: 0, limit: 11000 }] } }),
      'chargingRateUnit W is not allowed',
    ],
    ['no periods', 1, withPeriods([]), 'empty'],
    ['first startPeriod not 0', 1, withPeriods([{ startPeriod: 60, limit: 10 }]), 'first startPeriod must be 0'],
    [
      'startPeriod not strictly increasing',
      1,
      withPeriods([
        { startPeriod: 0, limit: 10 },
        { startPeriod: 600, limit: 12 },
        { startPeriod: 600, limit: 14 },
      ]),
      'strictly increasing',
    ],
    [
      'Absolute without startSchedule',
      1,
      profile({ chargingSchedule: { chargingRateUnit: 'A', chargingSchedulePeriod: [{ startPeriod: 0, limit: 16 }] } }),
      'Absolute profile requires startSchedule',
    ],
    [
      'Recurring without startSchedule',
      1,
      profile({
        chargingProfileKind: 'Recurring',
        recurrencyKind: 'Daily',
        chargingSchedule: { chargingRateUnit: 'A', chargingSchedulePeriod: [{ startPeriod: 0, limit: 16 }] },
      }),
      'Recurring profile requires startSchedule',
    ],
    ['Recurring without recurrencyKind', 1, profile({ chargingProfileKind: 'Recurring' }), 'requires recurrencyKind'],
    ['validTo before validFrom', 1, profile({ validFrom: '2025-02-01T00:00:00Z', validTo: '2025-01-01T00:00:00Z' }), 'validTo must be after'],
  ])('rejects %s', (_name, connectorId, candidate, reason) => {
    const store = new ChargingProfileStore();
    const result = store.install(connectorId, candidate, ctx);
    expect(result.status).toBe('Rejected');
    expect(result.status === 'Rejected' && result.reason).toContain(reason);
    expect(store.list()).toHaveLength(0);
  });

  it.each<[string, number, ChargingProfile]>([
    ['TxDefaultProfile on connector 0 (all connectors)', 0, profile()],
    ['TxDefaultProfile on connector 2', 2, profile()],
    ['ChargePointMaxProfile on connector 0', 0, profile({ chargingProfilePurpose: 'ChargePointMaxProfile', stackLevel: 2 })],
    ['TxProfile during the transaction, unpinned', 1, profile({ chargingProfilePurpose: 'TxProfile' })],
    ['TxProfile pinned to the running transaction', 1, profile({ chargingProfilePurpose: 'TxProfile', transactionId: 42 })],
    [
      'Relative without startSchedule',
      1,
      profile({ chargingProfileKind: 'Relative', chargingSchedule: { chargingRateUnit: 'A', chargingSchedulePeriod: [{ startPeriod: 0, limit: 6 }] } }),
    ],
    ['Recurring with recurrencyKind and startSchedule', 1, profile({ chargingProfileKind: 'Recurring', recurrencyKind: 'Weekly' })],
  ])('accepts %s', (_name, connectorId, candidate) => {
    const store = new ChargingProfileStore();
    expect(store.install(connectorId, candidate, ctx)).toEqual({ status: 'Accepted' });
    expect(store.list()).toEqual([{ connectorId, profile: candidate }]);
  });
});

describe('ChargingProfileStore.install: replacement and capacity', () => {
  it('replaces by chargingProfileId wherever it was installed', () => {
    const store = new ChargingProfileStore();
    store.install(1, profile({ chargingProfileId: 7, stackLevel: 0 }), ctx);
    // Same id, other connector and level: the connector-1 copy goes, only connector 2 holds id 7.
    expect(store.install(2, profile({ chargingProfileId: 7, stackLevel: 1 }), ctx).status).toBe('Accepted');
    expect(ids(store)).toEqual([[2, 7]]);
    expect(store.list()[0]?.profile.stackLevel).toBe(1);
  });

  it('replaces by stackLevel + purpose on the same connector only', () => {
    const store = new ChargingProfileStore();
    store.install(1, profile({ chargingProfileId: 1 }), ctx);
    store.install(1, profile({ chargingProfileId: 2 }), ctx); // same level 0 + TxDefault on 1: replaces id 1
    store.install(2, profile({ chargingProfileId: 3 }), ctx); // same level + purpose, other connector: added
    store.install(1, profile({ chargingProfileId: 4, stackLevel: 1 }), ctx); // other level: added
    store.install(1, profile({ chargingProfileId: 5, chargingProfilePurpose: 'TxProfile' }), ctx); // other purpose: added
    expect(ids(store)).toEqual([
      [1, 2],
      [2, 3],
      [1, 4],
      [1, 5],
    ]);
  });

  it('respects MaxChargingProfilesInstalled, but a replacement still fits when full', () => {
    const store = new ChargingProfileStore();
    for (const [id, level] of [[1, 0], [2, 1], [3, 2]] as const) store.install(1, profile({ chargingProfileId: id, stackLevel: level }), ctx);
    store.install(2, profile({ chargingProfileId: 4 }), ctx);
    expect(store.list()).toHaveLength(4);
    // A fifth, new profile (id 5, level 0 on connector 0 replaces nothing) does not fit.
    const full = store.install(0, profile({ chargingProfileId: 5 }), ctx);
    expect(full).toEqual({ status: 'Rejected', reason: 'MaxChargingProfilesInstalled 4 reached' });
    // Same id 2 → replaced in place of a slot, count stays 4.
    expect(store.install(1, profile({ chargingProfileId: 2, stackLevel: 1, chargingSchedule: withPeriods([{ startPeriod: 0, limit: 6 }]).chargingSchedule }), ctx).status).toBe(
      'Accepted',
    );
    expect(store.list()).toHaveLength(4);
  });

  it('keeps its own copy of the installed profile', () => {
    const store = new ChargingProfileStore();
    const mutable = { ...profile(), stackLevel: 0 };
    store.install(1, mutable, ctx);
    mutable.stackLevel = 2;
    expect(store.list()[0]?.profile.stackLevel).toBe(0);
  });
});

describe('ChargingProfileStore.clear and endTransaction', () => {
  // connector 0: id 1 ChargePointMax L0, id 2 TxDefault L0; connector 1: id 3 TxDefault L1, id 4 TxProfile L1; connector 2: id 5 TxDefault L1
  function filled(): ChargingProfileStore {
    const store = new ChargingProfileStore();
    const big: InstallContext = { ...ctx, limits: { ...ctx.limits, maxProfiles: 10 } };
    store.install(0, profile({ chargingProfileId: 1, chargingProfilePurpose: 'ChargePointMaxProfile' }), big);
    store.install(0, profile({ chargingProfileId: 2 }), big);
    store.install(1, profile({ chargingProfileId: 3, stackLevel: 1 }), big);
    store.install(1, profile({ chargingProfileId: 4, stackLevel: 1, chargingProfilePurpose: 'TxProfile' }), big);
    store.install(2, profile({ chargingProfileId: 5, stackLevel: 1 }), big);
    return store;
  }
  const remaining = (store: ChargingProfileStore): number[] => store.list().map((e) => e.profile.chargingProfileId);

  it.each<[string, Parameters<ChargingProfileStore['clear']>[0], 'Accepted' | 'Unknown', number[]]>([
    ['no filter clears everything', {}, 'Accepted', []],
    ['by id', { id: 3 }, 'Accepted', [1, 2, 4, 5]],
    ['by connectorId (0 = station-wide profiles only)', { connectorId: 0 }, 'Accepted', [3, 4, 5]],
    ['by purpose', { purpose: 'TxDefaultProfile' }, 'Accepted', [1, 4]],
    ['by stackLevel', { stackLevel: 1 }, 'Accepted', [1, 2]],
    ['ANDed: TxDefault at level 1 on connector 2', { connectorId: 2, purpose: 'TxDefaultProfile', stackLevel: 1 }, 'Accepted', [1, 2, 3, 4]],
    ['ANDed with no common match (id 3 is on connector 1)', { id: 3, connectorId: 2 }, 'Unknown', [1, 2, 3, 4, 5]],
    ['unknown id', { id: 99 }, 'Unknown', [1, 2, 3, 4, 5]],
  ])('%s', (_name, filter, status, left) => {
    const store = filled();
    expect(store.clear(filter)).toBe(status);
    expect(remaining(store)).toEqual(left);
  });

  it('answers Unknown on an empty store', () => {
    expect(new ChargingProfileStore().clear()).toBe('Unknown');
  });

  it('endTransaction removes only that connector’s TxProfiles', () => {
    const store = filled();
    expect(store.endTransaction(2)).toBe(0);
    expect(store.endTransaction(1)).toBe(1);
    expect(remaining(store)).toEqual([1, 2, 3, 5]);
    expect(store.list(1).map((e) => e.profile.chargingProfileId)).toEqual([3]);
  });
});
