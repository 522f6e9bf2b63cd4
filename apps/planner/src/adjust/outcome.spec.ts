import { HOUR_MS, taipeiDayStartMs } from '../timeline/index.js';
import { adjustOutcome, hourlyKw, pickReply, replyDeadlineMs, requestedDayOf } from './outcome.js';

const DAY = '2026-12-05';
const D = taipeiDayStartMs(DAY);
const flat = (kw: number) => Array.from({ length: 24 }, () => kw);
const block = (fromH: number, toH: number, kw: number) => ({ startMs: D + fromH * HOUR_MS, endMs: D + toH * HOUR_MS, powerW: kw * 1000 });

describe('extra-capacity outcome', () => {
  it('reads the request of a stored decision (daily job or operator), and nothing from a no-request decision', () => {
    const requestedKw = flat(50);
    requestedKw[18] = 74;
    const decision = { request: true, requestedKw, hours: flat(50).map((assignedKw, hour) => ({ hour, assignedKw, short: hour === 18 })), reason: 'r' };
    expect(requestedDayOf(decision)).toEqual({ requestedKw, assignedKw: flat(50) });
    expect(requestedDayOf({ request: false, hours: [], reason: 'covered' })).toBeUndefined();
    expect(requestedDayOf({ ...decision, requestedKw: requestedKw.slice(1) })).toBeUndefined();
    expect(requestedDayOf({ ...decision, hours: decision.hours.slice(1) })).toBeUndefined();
    expect(requestedDayOf(null)).toBeUndefined();
  });

  it('takes the newest reply whose blocks lie on the day', () => {
    const replies = [
      { requestId: 'old', receivedAtMs: D - 9 * HOUR_MS, blocks: [block(0, 24, 50)] },
      { requestId: 'new', receivedAtMs: D - 8 * HOUR_MS, blocks: [block(0, 24, 60)] },
      { requestId: 'other-day', receivedAtMs: D - 7 * HOUR_MS, blocks: [block(24, 48, 60)] },
    ];
    expect(pickReply(replies, DAY)?.requestId).toBe('new');
    expect(pickReply(replies.slice(2), DAY)).toBeUndefined();
    expect(pickReply([], DAY)).toBeUndefined();
  });

  it('reads granted kW per hour, an hour without a block being the contract, a partial block time-weighted', () => {
    const granted = hourlyKw(DAY, [block(0, 18, 50), block(18, 19, 70), { startMs: D + 19 * HOUR_MS, endMs: D + 19.5 * HOUR_MS, powerW: 40_000 }], 100_000);
    expect(granted).toHaveLength(24);
    expect(granted[0]).toBe(50);
    expect(granted[18]).toBe(70);
    expect(granted[19]).toBe(70); // half an hour at 40 kW, half at the 100 kW contract
    expect(granted[20]).toBe(100);
  });

  it('computes the granted/requested ratio and the share of the extra that was granted', () => {
    const requestedKw = flat(50);
    requestedKw[18] = 74;
    requestedKw[19] = 70;
    const grantedKw = flat(50);
    grantedKw[18] = 62; // 12 of the 24 extra kW
    grantedKw[19] = 80; // more than asked: the extra is counted up to what was asked (20)
    const o = adjustOutcome({ requestedKw, assignedKw: flat(50) }, grantedKw);
    expect(o.kind).toBe('replied');
    expect(o.requestedKwh).toBe(22 * 50 + 74 + 70);
    expect(o.grantedKwh).toBe(22 * 50 + 62 + 80);
    expect(o.ratio).toBeCloseTo(1242 / 1244, 4);
    expect(o.extraRequestedKwh).toBe(44);
    expect(o.extraGrantedKwh).toBe(32);
    expect(o.extraRatio).toBeCloseTo(32 / 44, 4);
    expect(o.hours[18]).toEqual({ hour: 18, assignedKw: 50, requestedKw: 74, grantedKw: 62 });
  });

  it('without a reply the assignment stands: none of the extra granted', () => {
    const requestedKw = flat(50);
    requestedKw[18] = 74;
    const o = adjustOutcome({ requestedKw, assignedKw: flat(50) }, undefined);
    expect(o).toMatchObject({ kind: 'no_reply', extraRequestedKwh: 24, extraGrantedKwh: 0, extraRatio: 0 });
    expect(o.grantedKwh).toBe(1200);
  });

  it('has no extra ratio when no extra was asked, and a ratio of 1 when nothing was asked', () => {
    expect(adjustOutcome({ requestedKw: flat(40), assignedKw: flat(50) }, flat(40)).extraRatio).toBeUndefined();
    expect(adjustOutcome({ requestedKw: flat(0), assignedKw: flat(0) }, flat(0)).ratio).toBe(1);
  });

  it('gives up waiting for the reply at 16:10 Asia/Taipei the day before', () => {
    expect(new Date(replyDeadlineMs(DAY)).toISOString()).toBe('2026-12-04T08:10:00.000Z');
  });
});
