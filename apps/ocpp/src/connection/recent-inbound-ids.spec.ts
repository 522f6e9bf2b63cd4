import { jest } from '@jest/globals';
import { RecentInboundIds } from './recent-inbound-ids.js';

const MIN = 60_000;

describe('RecentInboundIds', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  /** Whether the station's ids are still the ones a retransmission would be checked against. */
  const kept = (recent: RecentInboundIds, stationId: string, ids: object) => {
    const now = recent.of(stationId);
    return now === ids;
  };

  it('keeps a station\'s ids for the retention after it went away, then drops them', () => {
    const recent = new RecentInboundIds(10 * MIN);
    const ids = recent.of('CP-1');
    recent.away('CP-1');
    jest.advanceTimersByTime(10 * MIN - 1);
    expect(recent.size).toBe(1);
    jest.advanceTimersByTime(1);
    expect(recent.size).toBe(0);
    expect(kept(recent, 'CP-1', ids)).toBe(false);
  });

  it('a reconnect keeps them; a later departure counts the retention from then, not from the first', () => {
    const recent = new RecentInboundIds(10 * MIN);
    const ids = recent.of('CP-1');
    recent.away('CP-1');
    jest.advanceTimersByTime(5 * MIN);
    expect(recent.of('CP-1')).toBe(ids); // back
    jest.advanceTimersByTime(4 * MIN);
    recent.away('CP-1'); // gone again at 9 min
    jest.advanceTimersByTime(2 * MIN); // 11 min: the first departure's retention is over
    expect(recent.size).toBe(1);
    jest.advanceTimersByTime(8 * MIN); // 19 min: the second one's is
    expect(recent.size).toBe(0);
  });

  it('holds one timer per station whatever the number of departures', () => {
    const recent = new RecentInboundIds(10 * MIN);
    for (let i = 0; i < 50; i++) {
      recent.of('CP-1');
      recent.away('CP-1');
    }
    expect(jest.getTimerCount()).toBe(1);
  });

  it('keeps of a gone station only what its next connection uses', () => {
    const recent = new RecentInboundIds(10 * MIN);
    const ids = recent.of('CP-1');
    for (let n = 0; n < 16; n++) {
      ids.begin(`${n}`, `fp-${n}`, `[2,"${n}","Heartbeat",{}]`);
      ids.answered(`${n}`, `[3,"${n}",{}]`);
    }
    recent.away('CP-1');
    expect(ids.size).toBe(1);
  });

  it('holds one timer for all gone stations, and drops each after its own retention', () => {
    const recent = new RecentInboundIds(10 * MIN);
    const step = MIN / 20;
    for (let i = 0; i < 100; i++) {
      recent.of(`CP-${i}`);
      recent.away(`CP-${i}`);
      jest.advanceTimersByTime(step);
    }
    expect(jest.getTimerCount()).toBe(1);
    recent.of('CP-0'); // back: the first one to go is no longer away
    jest.advanceTimersByTime(10 * MIN - 100 * step); // 10 min after the first departure
    expect(recent.size).toBe(100);
    jest.advanceTimersByTime(step); // the second one's retention is over
    expect(recent.size).toBe(99);
    jest.advanceTimersByTime(10 * MIN);
    expect(recent.size).toBe(1); // CP-0, connected
    expect(jest.getTimerCount()).toBe(0);
  });
});
