/**
 * Recently seen inbound CALL ids of one connection (OCPP-J §4.1.4 / errata):
 * a retransmission of an answered CALL gets the stored answer again instead of
 * running the handler twice; a second CALL with an id still being handled is
 * a ProtocolError.
 */
export class InboundIds {
  private readonly entries = new Map<string, { fingerprint: string; answer?: string }>();

  constructor(private readonly capacity = 64) {}

  /** 'new' (start handling), 'busy' (same id in progress or reused for another call), or the stored answer. */
  begin(uniqueId: string, fingerprint: string): { kind: 'new' } | { kind: 'busy' } | { kind: 'answered'; frame: string } {
    const seen = this.entries.get(uniqueId);
    if (!seen) {
      this.entries.set(uniqueId, { fingerprint });
      if (this.entries.size > this.capacity) this.entries.delete(this.entries.keys().next().value as string);
      return { kind: 'new' };
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
  }
}
