/**
 * Recently seen inbound CALL ids of one connection (OCPP-J §4.1.4 / errata):
 * a retransmission of an answered CALL gets the stored answer again instead of
 * running the handler twice; a second CALL with an id still being handled is
 * a ProtocolError.
 */
export class InboundIds {
  private readonly entries = new Map<string, { fingerprint: string; answer?: string }>();
  /**
   * The ids in the order they were first seen, as a ring: the oldest is evicted without asking the
   * Map for an iterator on every CALL (this runs for every inbound message of every station).
   */
  private readonly order: (string | undefined)[];
  private next = 0;

  constructor(private readonly capacity = 64) {
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
    if (seen.answer !== undefined && seen.fingerprint === fingerprint) return { kind: 'answered', frame: seen.answer };
    return { kind: 'busy' };
  }

  answered(uniqueId: string, frame: string): void {
    const seen = this.entries.get(uniqueId);
    if (seen) seen.answer = frame;
  }

  clear(): void {
    this.entries.clear();
    this.order.fill(undefined);
    this.next = 0;
  }
}

const NEW = { kind: 'new' } as const;
