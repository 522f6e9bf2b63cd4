import type { ConnectorLimit, OcppCommandReply } from '@cpo/contracts';
import { clearShares, heldAfterEnd, heldByShares, sendShares, shareConnectors, shareLimit } from './cap-shares.js';
import { underStationShare } from './emulated-cap.js';
import { buildProfile, type BuiltProfile } from './profile-builder.js';

const now = new Date('2026-11-23T06:00:00.000Z');
const start = '2026-11-23T05:00:00.000Z';
const caps = { chargeProfileMaxStackLevel: 2, allowedChargingRateUnits: ['A' as const], chargePointMaxProfileRefused: true, connectorZeroDefaultRefused: true };
const limit = (connectorId: number, periods: [number, number][], o: { startSchedule?: string; durationS?: number } = {}): ConnectorLimit => ({
  connectorId,
  schedule: { startSchedule: o.startSchedule ?? start, chargingRateUnit: 'A', ...(o.durationS ? { durationS: o.durationS } : {}), periods: periods.map(([startPeriodS, l]) => ({ startPeriodS, limit: l })) },
});
const reply = (status: string): OcppCommandReply => ({ status: 'ok', payload: { status } });

describe('the station cap in the connectors’ own profiles', () => {
  it('splits over the connectors without a plan, each share its own TxDefaultProfile on the cap’s schedule', () => {
    expect(shareConnectors(3, new Set([2]))).toEqual([1, 3]);
    expect(shareConnectors(0, new Set())).toEqual([1]);
    const built = buildProfile(shareLimit(limit(0, [[0, 40], [3600 * 2, 25]]), 2, 2), caps, now);
    expect(built.connectorId).toBe(2);
    expect(built.profile).toMatchObject({ chargingProfileId: 102, chargingProfilePurpose: 'TxDefaultProfile', stackLevel: 1 });
    expect(built.profile.chargingSchedule.duration).toBeUndefined();
    expect(built.profile.chargingSchedule.chargingSchedulePeriod.map((p) => p.limit)).toEqual([20, 12.5]);
  });

  it('a connector’s plan that ends goes on at its share, unless the cap does not cover that time', () => {
    const cap = limit(0, [[0, 40]]);
    const own = limit(1, [[0, 16]], { durationS: 7200 });
    expect(underStationShare(heldAfterEnd(own, cap), cap, 2, 230).schedule).toMatchObject({ periods: [{ startPeriodS: 0, limit: 16 }, { startPeriodS: 7200, limit: 20 }] });
    expect(underStationShare(heldAfterEnd(own, cap), cap, 2, 230).schedule.durationS).toBeUndefined();
    // A cap with an end, or starting after the plan's end, would leave an unlimited stretch: the plan keeps its end.
    expect(heldAfterEnd(own, limit(0, [[0, 40]], { durationS: 9000 }))).toBe(own);
    expect(heldAfterEnd(own, limit(0, [[0, 40]], { startSchedule: '2026-11-23T08:00:00.000Z' }))).toBe(own);
    expect(heldAfterEnd(limit(1, [[0, 16]]), cap)).toEqual(limit(1, [[0, 16]]));
  });

  it('sends every share, a refused level-1 one again at level 0, and answers with the first refusal', async () => {
    const shares = [1, 2, 3].map((c) => buildProfile(shareLimit(limit(0, [[0, 60]]), c, 3), caps, now));
    const sent: BuiltProfile[] = [];
    const out = await sendShares(shares, async (b) => {
      sent.push(b);
      return { reply: reply(b.connectorId === 2 ? 'Rejected' : b.profile.stackLevel > 0 && b.connectorId === 3 ? 'Rejected' : 'Accepted'), sent: b };
    });
    expect(sent.map((b) => `${b.connectorId}@${b.profile.stackLevel}`)).toEqual(['1@1', '2@1', '2@0', '3@1', '3@0']);
    expect(out.reply).toEqual(reply('Rejected'));
    expect(out.sent?.connectorId).toBe(1);
    expect(out.onlyStackLevelZero).toBe(true);
  });

  it('clears the old shares once the cap holds another way, every one tried, the first not answered failing the cap', async () => {
    expect(heldByShares({ chargingProfileId: 102, chargingProfilePurpose: 'TxDefaultProfile' })).toBe(true);
    expect(heldByShares({ chargingProfileId: 99, chargingProfilePurpose: 'TxDefaultProfile' })).toBe(false);
    expect(heldByShares({ chargingProfileId: 1, chargingProfilePurpose: 'ChargePointMaxProfile' })).toBe(false);
    expect(heldByShares(null)).toBe(false);
    const cleared: number[] = [];
    const timeout: OcppCommandReply = { status: 'error', code: 'Timeout', description: 'no answer' };
    const out = await clearShares([102, 103, 104], async (id) => {
      cleared.push(id);
      return id === 103 ? timeout : reply(id === 102 ? 'Accepted' : 'Unknown');
    });
    expect(cleared).toEqual([102, 103, 104]);
    expect(out).toMatchObject({ status: 'error', code: 'Timeout', description: expect.stringContaining('ClearChargingProfile 103') });
    expect(await clearShares([102], async () => reply('Unknown'))).toBeUndefined();
  });
});
