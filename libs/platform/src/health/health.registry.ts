import { Injectable } from '@nestjs/common';

/** A readiness probe of one dependency; throws (or rejects) when it is not usable. */
export type ReadinessCheck = (signal: AbortSignal) => Promise<Record<string, unknown> | void>;

/**
 * Modules that own a connection (database, NATS, Redis, MQTT) register their
 * check here, so `/health/ready` reports exactly the dependencies this app uses.
 */
@Injectable()
export class HealthRegistry {
  private readonly checks = new Map<string, ReadinessCheck>();

  register(name: string, check: ReadinessCheck): void {
    if (this.checks.has(name)) throw new Error(`readiness check "${name}" registered twice`);
    this.checks.set(name, check);
  }

  entries(): [string, ReadinessCheck][] {
    return [...this.checks.entries()];
  }
}
