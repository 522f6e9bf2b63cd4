import { emptyResult, sameMessage, withFreshTime } from './inbound-ids-frames.js';

/**
 * Recently seen inbound CALL ids of one connection (OCPP-J §4.1.4 / errata):
 * a retransmission of an answered CALL gets the stored answer again instead of
 * running the handler twice; a second CALL with an id still being handled is
 * a ProtocolError. A retransmission is the same message, not the same bytes: a
 * charger that re-serialises it (other whitespace, other key order) is still
 * retransmitting.
 */
/**
 * How an inbound CALL's id is checked against the remembered ones:
 * - `replay`: a retransmission of an answered CALL gets the stored answer;
 * - `rerun`: its answer carries the time (Heartbeat): a retransmission is handled again (idempotent),
 *   since a stored `currentTime` would set the charger's clock back;
 * - `restart`: a BootNotification, the charger rebooted: always handled, and the answered ids are
 *   forgotten, as its counter may restart at 1 (cheap white-label units do). Except its own
 *   retransmission (the same boot again on the same connection within REUSED_ID_AFTER_MS: the
 *   charger missed our answer, it did not reboot again): answered as before, with a fresh
 *   `currentTime`, and nothing forgotten or handled again (a second boot would be recorded).
 * A CALL whose id is still being handled is busy under every rule.
 */
export type InboundIdRule = 'replay' | 'rerun' | 'restart';

/**
 * After this long an answered id that comes back with another message is a new message, not a
 * ProtocolError: a charger retransmits (the same message) within its call timeout, 30–60 s in
 * practice; an id used again later for something else comes from a counter that restarted, and
 * refusing it would lose the message (the charger retries with the same id until it gives up).
 */
export const REUSED_ID_AFTER_MS = 120_000;

/** The rule for a CALL of `action` (OCPP 1.6 names; 2.0.1 shares BootNotification and Heartbeat). */
export function inboundIdRule(action: string): InboundIdRule {
  if (action === 'BootNotification') return 'restart';
  return action === 'Heartbeat' ? 'rerun' : 'replay';
}

export class InboundIds {
  private readonly entries = new Map<string, Entry>();
  /**
   * The ids in the order they were first seen, as a ring: the oldest is evicted without asking the
   * Map for an iterator on every CALL (this runs for every inbound message of every station).
   * NO_RING while the connection is gone (see `away`): rebuilt from `entries` when it is used again.
   */
  private order: (string | undefined)[];
  private next = 0;
  /**
   * The entries that keep their frame text, as a ring: only the latest `textsKept` do. The digest
   * tells a byte-for-byte retransmission without the text; a re-serialised one needs the content,
   * and that is the CALL the charger got no answer to: its last one or, after a reconnect, one of
   * its last few (statuses may come first). Older entries compare by digest only.
   */
  private readonly withText: (Entry | undefined)[];
  private nextText = 0;
  /** Characters of the texts kept, at most `maxTextChars`. */
  private keptChars = 0;
  /** Counts the station's connections (see `connected`): an entry of an earlier one is no retransmission of another message. */
  private connection = 0;
  /** The id answered last: on a new connection, the one CALL whose answer may have been lost with the old one. */
  private lastAnswered?: string;
  /** That id, kept from the connection before (see `connected`): a reboot's BootNotification does not forget it. */
  private carried?: string;

  /**
   * `capacity`: ids remembered. A charger resends a CALL only when it got no answer, and OCPP-J
   * allows one CALL in flight, so a retransmission is of the last one or two (an answer lost with
   * the connection); 16 leaves room for a reconnect's replay. It was 64 with whole answer frames:
   * 46 kB per station, 446 MB for 10,000 stations (measured, docs/ocpp-benchmarks.md "Memory").
   * `textsKept` / `maxTextChars`: the frame texts kept for a re-serialised retransmission (see
   * `withText`), the latest 4 within 8,192 characters in all (older ones give way; a longer frame
   * keeps only its digest): a station pins at most 8–16 kB (10,000 stations: 80–160 MB at worst,
   * ≈ 12 MB with 300-character MeterValues). Four: after a reconnect the unanswered CALL may come
   * behind a few StatusNotifications.
   */
  constructor(
    private readonly capacity = 16,
    private readonly textsKept = 4,
    private readonly maxTextChars = 8192,
  ) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`InboundIds capacity must be a positive integer, got ${capacity}`);
    if (!Number.isInteger(textsKept) || textsKept < 0) throw new RangeError(`InboundIds textsKept must be a non-negative integer, got ${textsKept}`);
    this.order = new Array<string | undefined>(capacity);
    this.withText = new Array<Entry | undefined>(textsKept);
  }

  /**
   * 'new' (start handling), 'busy' (same id in progress or reused for another call), or the stored answer.
   * `fingerprint`: a digest of the frame text, what a byte-for-byte retransmission repeats. `text`:
   * the frame itself, a CALL that parsed; only when an id comes back with another digest is the
   * content compared, so a new id costs no parsing or serialising here. `rule`: see InboundIdRule.
   * An answered id that comes back with another message is busy (guide §1.4) unless it was first
   * used on an earlier connection or over REUSED_ID_AFTER_MS ago: then it is a new message.
   */
  begin(uniqueId: string, fingerprint: string, text?: string, rule: InboundIdRule = 'replay'): { kind: 'new' } | { kind: 'busy' } | { kind: 'answered'; frame: string } {
    this.wake();
    let seen = this.entries.get(uniqueId);
    if (rule === 'restart') {
      if (seen !== undefined && seen.answer === undefined) return BUSY;
      const again = seen !== undefined ? this.bootRetransmission(seen, fingerprint, text) : undefined;
      if (again !== undefined) return { kind: 'answered', frame: withFreshTime(again) };
      // Before the boot's own entry is made: that one is in flight, and stays.
      this.forgetAnswered();
      seen = undefined;
    }
    if (!seen) {
      const evicted = this.order[this.next];
      if (evicted !== undefined) this.entries.delete(evicted);
      this.order[this.next] = uniqueId;
      this.next = (this.next + 1) % this.capacity;
      const entry: Entry = { fingerprint, answer: undefined, text: undefined, connection: this.connection, at: Date.now(), boot: rule === 'restart' };
      if (text !== undefined) this.keepTextIfFits(entry, text);
      this.entries.set(uniqueId, entry);
      return NEW;
    }
    if (seen.answer === undefined) return BUSY;
    const same = seen.fingerprint === fingerprint || (text !== undefined && seen.text !== undefined && sameMessage(seen.text, text));
    if (same && rule === 'replay') return { kind: 'answered', frame: seen.answer === EMPTY_RESULT ? emptyResult(uniqueId) : seen.answer };
    if (same || seen.connection !== this.connection || Date.now() - seen.at > REUSED_ID_AFTER_MS) {
      this.renew(seen, fingerprint, text);
      return NEW;
    }
    return BUSY;
  }

  /**
   * A new connection of the station starts: entries from now on are told from those of earlier ones.
   * Of the answered ids of earlier connections only the last one stays: OCPP-J allows one CALL in
   * flight, so a charger retransmits only the CALL whose answer it did not get, and that is the one
   * answered last (or one still being handled, which stays too). Every other earlier id coming back
   * is a new message from a counter that restarted, even with the same content (a StatusNotification
   * repeated under a restarted id must be recorded, not answered from the store).
   */
  connected(): void {
    this.wake();
    this.connection++;
    this.carried = this.lastAnswered;
    this.lastAnswered = undefined;
    this.retain((id) => id === this.carried);
  }

  /**
   * The connection went away: of its ids only what the station's next connection uses stays, as
   * `connected` would keep it (the id answered last, those in flight, their texts), and the id ring
   * is let go until then. A station's ids are kept for a while after it went (a reconnect may
   * retransmit), for every station of a reconnect storm at once: 16 ids, their answers and texts
   * cost ≈ 4.9 kB a station, this ≈ 0.8 kB (10,000 gone stations, heap after GC: 49 → 8 MB). A
   * CALL still in flight is answered later as ever, and then is the one a next connection may get
   * again. A CALL still arriving (during a close handshake) finds only what is kept: an older
   * answered id of this connection is a new message, as on a next one.
   */
  away(): void {
    this.wake();
    this.retain((id) => id === this.lastAnswered);
    this.order = NO_RING;
  }

  /** The ids remembered, answered or in flight. */
  get size(): number {
    return this.entries.size;
  }

  /** Characters of the frame texts kept. */
  get textChars(): number {
    return this.keptChars;
  }

  answered(uniqueId: string, frame: string): void {
    const seen = this.entries.get(uniqueId);
    if (seen) seen.answer = frame.endsWith(',{}]') && frame === emptyResult(uniqueId) ? EMPTY_RESULT : frame;
    if (seen) this.lastAnswered = uniqueId;
  }

  clear(): void {
    this.entries.clear();
    if (this.order === NO_RING) this.order = new Array<string | undefined>(this.capacity);
    else this.order.fill(undefined);
    this.next = 0;
    this.withText.fill(undefined);
    this.nextText = 0;
    this.keptChars = 0;
  }

  /**
   * The stored answer when a BootNotification is the retransmission of the boot answered under its id: that entry
   * was a boot, answered with a CALLRESULT (a CallError recorded nothing: handled again), on this
   * connection (a boot on a new one is a reboot, whatever its id) and recently (later, the same id
   * is a counter that restarted).
   */
  private bootRetransmission(seen: Entry, fingerprint: string, text: string | undefined): string | undefined {
    const answer = seen.answer;
    if (!seen.boot || typeof answer !== 'string' || !answer.trimStart().startsWith('[3')) return undefined;
    if (seen.connection !== this.connection || Date.now() - seen.at > REUSED_ID_AFTER_MS) return undefined;
    const same = seen.fingerprint === fingerprint || (text !== undefined && seen.text !== undefined && sameMessage(seen.text, text));
    return same ? answer : undefined;
  }

  /** The id is handled again as a new message, in place: its slot in `order` stays (no second slot for one id). */
  private renew(entry: Entry, fingerprint: string, text: string | undefined): void {
    this.dropText(entry);
    entry.fingerprint = fingerprint;
    entry.answer = undefined;
    entry.connection = this.connection;
    entry.at = Date.now();
    entry.boot = false;
    if (text !== undefined) this.keepTextIfFits(entry, text);
  }

  /**
   * The charger rebooted (BootNotification): its answered ids are no retransmissions any more, and
   * its counter may restart; but the CALL answered last before the connection it boots on may be
   * retransmitted after the boot (its answer lost as the charger lost power: a queued MeterValues).
   */
  private forgetAnswered(): void {
    this.retain((id) => id === this.carried);
  }

  /** Keeps the ids still being handled (a second CALL with one stays busy) and the answered ones `keep` names. */
  private retain(keep: (id: string) => boolean): void {
    const kept: [string, Entry][] = [];
    for (let i = 0; i < this.capacity; i++) {
      const id = this.order[(this.next + i) % this.capacity];
      const entry = id === undefined ? undefined : this.entries.get(id);
      if (entry !== undefined && (entry.answer === undefined || keep(id!))) kept.push([id!, entry]);
    }
    const texts = kept.map(([, entry]) => entry.text);
    this.clear();
    kept.forEach(([id, entry], i) => {
      this.order[this.next] = id;
      this.next = (this.next + 1) % this.capacity;
      this.entries.set(id, entry);
      entry.text = undefined;
      const text = texts[i];
      if (text !== undefined) this.keepTextIfFits(entry, text);
    });
  }

  /**
   * The id ring again after `away`: the ids kept are the entries, in the order `retain` put them
   * (first seen first), at the start of the ring as `retain` left them.
   */
  private wake(): void {
    if (this.order !== NO_RING) return;
    this.order = new Array<string | undefined>(this.capacity);
    this.next = 0;
    for (const id of this.entries.keys()) this.order[this.next++] = id;
    this.next %= this.capacity;
  }

  private dropText(entry: Entry): void {
    if (entry.text === undefined) return;
    const slot = this.withText.indexOf(entry);
    if (slot >= 0) this.withText[slot] = undefined;
    this.keptChars -= entry.text.length;
    entry.text = undefined;
  }

  private keepTextIfFits(entry: Entry, text: string): void {
    if (text.length <= this.maxTextChars && this.textsKept > 0) this.keepText(entry, text);
  }

  /** Keeps `text` with its entry: the oldest slot gives way, and older ones too while over the budget. */
  private keepText(entry: Entry, text: string): void {
    for (let i = 0; i < this.textsKept; i++) {
      const slot = (this.nextText + i) % this.textsKept;
      if (i > 0 && this.keptChars + text.length <= this.maxTextChars) break;
      const older = this.withText[slot];
      if (older?.text !== undefined) this.keptChars -= older.text.length;
      if (older !== undefined) older.text = undefined;
      this.withText[slot] = undefined;
    }
    entry.text = text;
    this.keptChars += text.length;
    this.withText[this.nextText] = entry;
    this.nextText = (this.nextText + 1) % this.textsKept;
  }
}

interface Entry {
  fingerprint: string;
  /**
   * The answer frame, or EMPTY_RESULT for the common `[3,"<id>",{}]` (MeterValues,
   * StatusNotification…), rebuilt from the id rather than kept per id: what a station's recent ids
   * cost is held for every station.
   */
  answer: string | typeof EMPTY_RESULT | undefined;
  /** The frame, while it is one of the latest few (InboundIds.withText). */
  text: string | undefined;
  /** The connection it was first seen on (InboundIds.connected), and when (epoch ms). */
  connection: number;
  at: number;
  /** First seen as a BootNotification (the `restart` rule): only such an entry can be a boot's retransmission. */
  boot: boolean;
}

/** The id ring of a connection that went away (InboundIds.away): none, one shared empty array for all. */
const NO_RING: (string | undefined)[] = [];

const NEW = { kind: 'new' } as const;
const BUSY = { kind: 'busy' } as const;

const EMPTY_RESULT = Symbol('[3,"<id>",{}]');
