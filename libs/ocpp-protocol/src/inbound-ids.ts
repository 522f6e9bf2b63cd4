/**
 * Recently seen inbound CALL ids of one connection (OCPP-J §4.1.4 / errata):
 * a retransmission of an answered CALL gets the stored answer again instead of
 * running the handler twice; a second CALL with an id still being handled is
 * a ProtocolError.
 */
export class InboundIds {
  /**
   * `answer`: the answer frame, or EMPTY_RESULT for the common `[3,"<id>",{}]` (MeterValues,
   * StatusNotification…), rebuilt from the id rather than kept per id: what a station's recent ids
   * cost is held for every station.
   */
  private readonly entries = new Map<string, { fingerprint: string; answer?: string | typeof EMPTY_RESULT }>();
  /**
   * The ids in the order they were first seen, as a ring: the oldest is evicted without asking the
   * Map for an iterator on every CALL (this runs for every inbound message of every station).
   */
  private readonly order: (string | undefined)[];
  private next = 0;

  /**
   * `capacity`: ids remembered. A charger resends a CALL only when it got no answer, and OCPP-J
   * allows one CALL in flight, so a retransmission is of the last one or two (an answer lost with
   * the connection); 16 leaves room for a reconnect's replay. It was 64 with whole answer frames:
   * 46 kB per station, 446 MB for 10,000 stations (measured, docs/ocpp-benchmarks.md "Memory").
   */
  constructor(private readonly capacity = 16) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`InboundIds capacity must be a positive integer, got ${capacity}`);
    this.order = new Array<string | undefined>(capacity);
  }

  /** 'new' (start handling), 'busy' (same id in progress or reused for another call), or the stored answer. */
  begin(uniqueId: string, fingerprint: string): { kind: 'new' } | { kind: 'busy' } | { kind: 'answered'; frame: string } {
    const seen = this.entries.get(uniqueId);
    if (!seen) {
      const evicted = this.order[this.next];
      if (evicted !== undefined) this.entries.delete(evicted);
      this.order[this.next] = uniqueId;
      this.next = (this.next + 1) % this.capacity;
      this.entries.set(uniqueId, { fingerprint });
      return NEW;
    }
    if (seen.answer !== undefined && seen.fingerprint === fingerprint) {
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
  }
}

const NEW = { kind: 'new' } as const;

const EMPTY_RESULT = Symbol('[3,"<id>",{}]');

/** The CALLRESULT with an empty payload, exactly as `serializeCallResult` writes it. */
function emptyResult(uniqueId: string): string {
  return `[3,${JSON.stringify(uniqueId)},{}]`;
}
