import { createHash } from 'node:crypto';

/** The subset of ioredis the window uses. */
export interface RedisPipelineLike {
  pipeline(): {
    mget(keys: string[]): unknown;
    set(key: string, value: string, ex: 'EX', seconds: number): unknown;
    exec(): Promise<[Error | null, unknown][] | null>;
  };
}

type Op = { kind: 'seen'; key: string; resolve: (seen: boolean) => void; reject: (err: unknown) => void } | { kind: 'remember'; key: string; resolve: (v: boolean) => void; reject: (err: unknown) => void };

/**
 * "Committed within the last N seconds?" for MQTT meter messages, shared by replicas through
 * Redis. A message is remembered only after its frame was committed: marking it on receipt would
 * make the broker's redelivery after a crash or a failed commit look like a duplicate and lose the
 * frame. (Copies of one message in process at the same moment are caught in process, by the
 * subscriber.) Operations issued in the same event-loop turn go out as one pipeline (the checks as
 * one MGET), so thousands of messages a second cost a few round trips instead of one each.
 */
export class DedupWindow {
  private queue: Op[] = [];

  constructor(
    private readonly redis: RedisPipelineLike,
    private readonly namespace: string,
    readonly seconds: number,
  ) {}

  get enabled(): boolean {
    return this.seconds > 0;
  }

  /** The Redis key of one (transceiver, port, frame). */
  keyOf(transceiverId: string, port: number, hex: string): string {
    const digest = createHash('sha1').update(`${transceiverId}|${port}|${hex}`).digest('base64url');
    return `rems:mqtt-dedup:${this.namespace}:${digest}`;
  }

  /** True when the same (transceiver, port, frame) was committed within the window. */
  seen(key: string): Promise<boolean> {
    if (!this.enabled) return Promise.resolve(false);
    return new Promise((resolve, reject) => this.enqueue({ kind: 'seen', key, resolve, reject }));
  }

  /** Records a committed frame for the window. */
  async remember(key: string): Promise<void> {
    if (!this.enabled) return;
    await new Promise<boolean>((resolve, reject) => this.enqueue({ kind: 'remember', key, resolve, reject }));
  }

  private enqueue(op: Op): void {
    if (this.queue.length === 0) setImmediate(() => void this.flush());
    this.queue.push(op);
  }

  private async flush(): Promise<void> {
    const batch = this.queue;
    this.queue = [];
    const checks = batch.filter((op) => op.kind === 'seen');
    const writes = batch.filter((op) => op.kind === 'remember');
    const pipeline = this.redis.pipeline();
    if (checks.length > 0) pipeline.mget(checks.map((op) => op.key));
    for (const op of writes) pipeline.set(op.key, '1', 'EX', this.seconds);
    try {
      const results = await pipeline.exec();
      if (!results) throw new Error('redis pipeline was discarded');
      let i = 0;
      if (checks.length > 0) {
        const [err, values] = results[i++];
        checks.forEach((op, k) => (err ? op.reject(err) : op.resolve((values as (string | null)[])[k] !== null)));
      }
      for (const op of writes) {
        const [err] = results[i++];
        if (err) op.reject(err);
        else op.resolve(true);
      }
    } catch (err) {
      for (const op of batch) op.reject(err);
    }
  }
}
