import { parseDateTimeMs, type JsonObject } from '@cpo/ocpp-protocol';
import { UNSET_CLOCK_BEFORE } from '../time.js';

/**
 * How closely live messages' offsets (receipt − stamp) must agree to be one clock's. They differ by
 * the network and the charger's own send delay: a second or two; a charger queue drained message by
 * message shows offsets differing by the messages' spacing instead.
 */
export const CLOCK_AGREEMENT_MS = 5_000;
/** Agreeing messages needed, and the receipt time they must span: a burst of queued messages (all connectors' statuses of one instant) spans none. */
export const CLOCK_EVIDENCE_COUNT = 3;
export const CLOCK_EVIDENCE_SPAN_MS = 60_000;
/**
 * An offset smaller than this is drift, and the stamp is as good a time as our receipt: the
 * estimate is only used beyond it (a local time sent as UTC, a clock never synchronised).
 */
export const CLOCK_OFFSET_MIN_MS = 60_000;

/**
 * One connection's estimate of how far its charger's clock is off ours, from the stamps of its
 * messages and their receipt times. A message sent as it happened shows the true offset plus the
 * network delay; one the charger queued shows a larger one (it was held), never a smaller one, so
 * the estimate is the smallest offset that several messages over a minute agree on. It is not
 * trusted before that evidence exists, forgotten at each BootNotification (the charger may set its
 * clock from our answer's currentTime), and restarted by a message showing one a minute or more smaller:
 * the clock was corrected (NTP, our Heartbeat answer), or the earlier messages were all queued. A
 * larger offset is a held message, unless it is the clock set back (a local time at the end of
 * summer time, a clock reset by hours): such messages gather evidence of their own (`back*`), the
 * same as the first estimate's, and replace the estimate once it holds, unless a message agreeing
 * with the estimate comes meanwhile (the old clock is still live: the larger ones were a backlog).
 * Unset clocks (before 2010) are left out: their messages are recorded at receipt (time.ts).
 * O(1) and allocation-free per message: it runs on the MeterValues and StatusNotification paths.
 */
export class ClockOffset {
  /** The smallest agreeing offset, the number of messages that agreed, and the receipt times of the first and last. */
  private low = 0;
  private count = 0;
  private firstMs = 0;
  private lastMs = 0;
  /**
   * The same for offsets larger than the established one: the evidence of a clock set back. Kept
   * apart, not merged into the estimate: a larger offset is usually a message the charger held.
   */
  private backLow = 0;
  /** The largest offset of that evidence: all of it within CLOCK_AGREEMENT_MS, not each of the smallest before it. */
  private backHigh = 0;
  private backCount = 0;
  private backFirstMs = 0;
  private backLastMs = 0;

  observe(stampMs: number, receivedMs: number): void {
    if (!(stampMs >= UNSET_CLOCK_BEFORE.getTime())) return;
    const offset = receivedMs - stampMs;
    // Established, an offset smaller by less than CLOCK_OFFSET_MIN_MS is the clock gaining on ours (a
    // fast RTC, seconds a day): followed. Started over, a clock hours behind had its messages taken at
    // their stamps, hours early, for the minute it takes to establish it again.
    if (this.count > 0 && offset < this.low - CLOCK_AGREEMENT_MS && offset >= this.low - CLOCK_OFFSET_MIN_MS && this.evidenced()) {
      this.low = offset;
      this.count++;
      this.lastMs = receivedMs;
      this.backCount = 0;
      return;
    }
    if (this.count === 0 || offset < this.low - CLOCK_AGREEMENT_MS) {
      this.low = offset;
      this.count = 1;
      this.firstMs = this.lastMs = receivedMs;
      this.backCount = 0;
      return;
    }
    // Larger: held by the charger (queued offline, or behind its own send queue), no evidence of the
    // clock; unless, once established, enough of them agree: then the clock was set back.
    if (offset > this.low + CLOCK_AGREEMENT_MS) {
      if (this.evidenced()) this.observeSetBack(offset, receivedMs);
      return;
    }
    if (offset < this.low) this.low = offset;
    this.count++;
    this.lastMs = receivedMs;
    // The established clock is still live: what gathered above it was held (a backlog drained at the
    // pace it was recorded agrees like a clock set back, but live messages come between).
    this.backCount = 0;
  }

  /**
   * An offset larger than the established one by more than CLOCK_AGREEMENT_MS: gathered like the
   * first estimate (the smallest agreeing; a larger one is held), and taken as the estimate once
   * CLOCK_EVIDENCE_COUNT agree over CLOCK_EVIDENCE_SPAN_MS. A backlog's offsets shrink (drained
   * faster than recorded) or grow (slower) message by message and, unless it is drained within
   * seconds a minute of the pace it was recorded, do not agree. One that does not
   * agree starts over from itself if it is smaller, or if the evidence gathered has had no agreeing
   * message for CLOCK_EVIDENCE_SPAN_MS: a message held from before the clock was set back (an offset
   * between the two) would otherwise stand for good, every later live one looking held beside it.
   */
  private observeSetBack(offset: number, receivedMs: number): void {
    const stale = receivedMs - this.backLastMs > CLOCK_EVIDENCE_SPAN_MS;
    // Against the whole evidence's spread: agreeing with its smallest only, a backlog shrinking a few
    // seconds a message (sampled every 10 s, drained every 6 s) chained into a clock set back by hours.
    const agrees = offset <= this.backLow + CLOCK_AGREEMENT_MS && offset >= this.backHigh - CLOCK_AGREEMENT_MS;
    if (this.backCount === 0 || offset < this.backHigh - CLOCK_AGREEMENT_MS || (!agrees && stale)) {
      this.backLow = this.backHigh = offset;
      this.backCount = 1;
      this.backFirstMs = this.backLastMs = receivedMs;
      return;
    }
    if (!agrees) return;
    if (offset < this.backLow) this.backLow = offset;
    if (offset > this.backHigh) this.backHigh = offset;
    this.backCount++;
    this.backLastMs = receivedMs;
    if (this.backCount >= CLOCK_EVIDENCE_COUNT && this.backLastMs - this.backFirstMs >= CLOCK_EVIDENCE_SPAN_MS) {
      this.low = this.backLow;
      this.count = this.backCount;
      this.firstMs = this.backFirstMs;
      this.lastMs = this.backLastMs;
      this.backCount = 0;
    }
  }

  private evidenced(): boolean {
    return this.count >= CLOCK_EVIDENCE_COUNT && this.lastMs - this.firstMs >= CLOCK_EVIDENCE_SPAN_MS;
  }

  /** Forgets the estimate (a BootNotification). */
  reset(): void {
    this.count = 0;
    this.backCount = 0;
  }

  /**
   * The established offset (receipt − stamp, in ms) when it is beyond CLOCK_OFFSET_MIN_MS either
   * way; otherwise undefined: the stamps are taken as they are (time.ts).
   */
  get offsetMs(): number | undefined {
    if (!this.evidenced()) return undefined;
    return Math.abs(this.low) >= CLOCK_OFFSET_MIN_MS ? this.low : undefined;
  }
}

/**
 * The stamp of a charger's message that tells of its clock now (ms), if any: a StatusNotification's,
 * a StartTransaction's or StopTransaction's, the latest of a MeterValues' (earlier samples of the
 * same message were held). Read before validation, so whatever is no date-time is none.
 */
export function clockStampMs(action: string, payload: JsonObject): number | undefined {
  if (action === 'StatusNotification' || action === 'StartTransaction' || action === 'StopTransaction') return stampOf(payload['timestamp']);
  if (action !== 'MeterValues') return undefined;
  const values = payload['meterValue'];
  if (!Array.isArray(values)) return undefined;
  let latest: number | undefined;
  for (const v of values) {
    const ms = v !== null && typeof v === 'object' && !Array.isArray(v) ? stampOf(v['timestamp']) : undefined;
    if (ms !== undefined && (latest === undefined || ms > latest)) latest = ms;
  }
  return latest;
}

function stampOf(raw: unknown): number | undefined {
  return typeof raw === 'string' ? parseDateTimeMs(raw, { missingZone: 'utc' }) : undefined;
}
