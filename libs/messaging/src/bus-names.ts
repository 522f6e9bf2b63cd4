/**
 * Maps the contract's logical subjects and stream names onto one deployment's
 * namespace. With a prefix (tests, or several platforms sharing one NATS),
 * `capacity.forecast.received` becomes `t42.capacity.forecast.received` and
 * stream `CAPACITY` becomes `t42_CAPACITY`, so runs never see each other.
 */
export class BusNames {
  constructor(readonly prefix: string = '') {
    if (prefix && !/^[A-Za-z0-9_-]+$/.test(prefix)) throw new Error(`invalid bus prefix "${prefix}"`);
  }

  subject(logical: string): string {
    return this.prefix ? `${this.prefix}.${logical}` : logical;
  }

  /** Inverse of subject(): the logical subject of a message received on the wire. */
  logical(wire: string): string {
    return this.prefix && wire.startsWith(`${this.prefix}.`) ? wire.slice(this.prefix.length + 1) : wire;
  }

  stream(name: string): string {
    return this.prefix ? `${this.prefix}_${name}` : name;
  }

  durable(name: string): string {
    return this.prefix ? `${this.prefix}_${name}` : name;
  }
}
