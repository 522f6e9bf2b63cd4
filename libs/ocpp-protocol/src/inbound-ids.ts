/**
 * Recently seen inbound CALL ids of one connection (OCPP-J §4.1.4 / errata):
 * a retransmission of an answered CALL gets the stored answer again instead of
 * running the handler twice; a second CALL with an id still being handled is
 * a ProtocolError. A retransmission is the same message, not the same bytes: a
 * charger that re-serialises it (other whitespace, other key order) is still
 * retransmitting.
 */
export class InboundIds {
  private readonly entries = new Map<string, Entry>();
  /**
   * The ids in the order they were first seen, as a ring: the oldest is evicted without asking the
   * Map for an iterator on every CALL (this runs for every inbound message of every station).
   */
  private readonly order: (string | undefined)[];
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
   * content compared, so a new id costs no parsing or serialising here.
   */
  begin(uniqueId: string, fingerprint: string, text?: string): { kind: 'new' } | { kind: 'busy' } | { kind: 'answered'; frame: string } {
    const seen = this.entries.get(uniqueId);
    if (!seen) {
      const evicted = this.order[this.next];
      if (evicted !== undefined) this.entries.delete(evicted);
      this.order[this.next] = uniqueId;
      this.next = (this.next + 1) % this.capacity;
      const entry: Entry = { fingerprint, answer: undefined, text: undefined };
      if (text !== undefined && text.length <= this.maxTextChars && this.textsKept > 0) this.keepText(entry, text);
      this.entries.set(uniqueId, entry);
      return NEW;
    }
    if (seen.answer !== undefined && (seen.fingerprint === fingerprint || (text !== undefined && seen.text !== undefined && sameMessage(seen.text, text)))) {
      return { kind: 'answered', frame: seen.answer === EMPTY_RESULT ? emptyResult(uniqueId) : seen.answer };
    }
    return { kind: 'busy' };
  }

  answered(uniqueId: string, frame: string): void {
    const seen = this.entries.get(uniqueId);
    if (seen) seen.answer = frame.endsWith(',{}]') && frame === emptyResult(uniqueId) ? EMPTY_RESULT : frame;
  }

  clear(): void {
    this.entries.clear();
    this.order.fill(undefined);
    this.next = 0;
    this.withText.fill(undefined);
    this.nextText = 0;
    this.keptChars = 0;
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
}

const NEW = { kind: 'new' } as const;

const EMPTY_RESULT = Symbol('[3,"<id>",{}]');

/**
 * Whether two CALL frames carry the same message: the same JSON values, whatever the whitespace,
 * the key order or the spelling of a number (`1.0`, `1`). Both texts parsed as frames before.
 */
function sameMessage(a: string, b: string): boolean {
  return sameJson(JSON.parse(a), JSON.parse(b));
}

function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) || Array.isArray(b)) {
    return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((v, i) => sameJson(v, b[i]));
  }
  const x = a as Record<string, unknown>;
  const y = b as Record<string, unknown>;
  const keys = Object.keys(x);
  return keys.length === Object.keys(y).length && keys.every((k) => Object.hasOwn(y, k) && sameJson(x[k], y[k]));
}

/** The CALLRESULT with an empty payload, exactly as `serializeCallResult` writes it. */
function emptyResult(uniqueId: string): string {
  return `[3,${JSON.stringify(uniqueId)},{}]`;
}
