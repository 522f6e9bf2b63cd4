import { BOOTED_REASON, HELD_REASON, bootedSinceAnswered, stationControl } from './offline-grace.js';
import type { StationLive } from './round-types.js';
import { planRound } from './round.js';
import { NOW, OPTIONS, after, charging, group, input, online, session, station, timeline } from './test/round-fixtures.js';

/**
 * A charger that boots again may lose its profiles (OCPP 1.6 clears TxProfiles, much firmware every
 * profile): the plan it acknowledged no longer holds until it is answered again after the boot.
 */
describe('a charger that booted again since it answered its plan', () => {
  const four = group(40, [station('A'), station('B'), station('C'), station('D')]);
  const steadyInput = input(four, {
    connectors: new Map([session('A'), session('B'), session('C'), session('D')]),
    previous: new Map([charging('A', 15.1), charging('B', 15.1), charging('C', 15.1), charging('D', 15.2)]),
  });
  const state = after(planRound(steadyInput), steadyInput);
  const plan = state.published.get('C')!.connectors;
  const answeredAt = NOW - 60_000;
  /** C acknowledged its plan at `answeredAt`, connected since long before. */
  const acked: StationLive = { ...online('C'), connectionAtMs: NOW - 3_600_000, acknowledged: plan, answeredAtMs: answeredAt };

  describe('bootedSinceAnswered', () => {
    it('holds for a boot after the last full answer, or at its very instant', () => {
      expect(bootedSinceAnswered({ ...acked, bootedAtMs: answeredAt + 1 })).toBe(true);
      expect(bootedSinceAnswered({ ...acked, bootedAtMs: answeredAt })).toBe(true);
    });

    it('not for a boot older than the answer (delivered late), nor without a boot', () => {
      expect(bootedSinceAnswered({ ...acked, bootedAtMs: answeredAt - 1 })).toBe(false);
      expect(bootedSinceAnswered(acked)).toBe(false);
    });

    it('not for a charger that never answered a plan of ours: it lost none', () => {
      expect(bootedSinceAnswered({ ...online('C'), bootedAtMs: NOW })).toBe(false);
    });

    it('ends when the plan (or a newer one) is answered in full after the boot', () => {
      expect(bootedSinceAnswered({ ...acked, bootedAtMs: NOW - 5_000, answeredAtMs: NOW - 4_000 })).toBe(false);
    });
  });

  describe('stationControl', () => {
    it('connected: uncontrolled at its rating; steerable without the boot', () => {
      expect(stationControl({ ...acked, bootedAtMs: NOW - 1_000 }, NOW, OPTIONS)).toEqual({ reason: BOOTED_REASON });
      expect(stationControl(acked, NOW, OPTIONS)).toEqual({});
    });

    it('offline within the grace: no grace, counted at its rating at once', () => {
      const down: StationLive = { ...acked, connected: false, connectionAtMs: NOW - 10_000 };
      expect(stationControl(down, NOW, OPTIONS)).toMatchObject({ reason: HELD_REASON });
      expect(stationControl({ ...down, bootedAtMs: NOW - 20_000 }, NOW, OPTIONS)).toEqual({ reason: 'offline' });
      // Unreachable for the ocpp service (its plan failed `Offline`) rather than disconnected: the same.
      const lost: StationLive = { ...acked, profileFailures: 1, lastProfileResult: 'Offline', lastProfileAtMs: NOW - 5_000, bootedAtMs: NOW - 20_000 };
      expect(stationControl(lost, NOW, OPTIONS)).toEqual({ reason: 'offline' });
    });
  });

  it('the round counts it at its 32 A and the others come down to make room for it', () => {
    const nowMs = NOW + 10_000;
    const stations = new Map<string, StationLive>([['A', online('A')], ['B', online('B')], ['C', { ...acked, bootedAtMs: nowMs - 2_000 }], ['D', online('D')]]);
    const r = planRound({ ...steadyInput, ...state, nowMs, timeline: timeline(four, [], nowMs), stations });
    expect(r.uncontrolled.get('C')).toBe(BOOTED_REASON);
    expect(r.targets.find((t) => t.stationId === 'C')).toMatchObject({ status: 'uncontrolled', limit: 32 });
    expect(r.publications.map((p) => p.stationId)).not.toContain('C');
    // 40 kW less 32 A × 3 × 220 V (21.1 kW) leaves ~9.5 A each for the other three.
    for (const id of ['A', 'B', 'D']) expect(r.targets.find((t) => t.stationId === id)!.limit).toBeLessThan(10);
  });
});
