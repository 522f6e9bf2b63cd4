import { hash } from 'node:crypto';

/** The subset of ioredis the window uses. */
export interface RedisPipelineLike {
  pipeline(): {
    mget(keys: string[]): unknown;
    eval(script: string, numKeys: number, ...args: (string | number)[]): unknown;
    exec(): Promise<[Error | null, unknown][] | null>;
  };
}

type Check = { key: string; resolve: (seen: boolean) => void; reject: (err: unknown) => void };

/** The records of one flush: written together, settled together. */
interface Writes {
  keys: string[];
  done: Promise<void>;
  resolve: () => void;
  reject: (err: unknown) => void;
}

/**
 * Sets every key with the same expiry in one command: a SET per key meant a command object, its
 * argument buffers and a reply per frame in the client, ~10 % of the service's allocations at
 * 10,000 frames a second.
 */
const SET_ALL = `for i = 1, #KEYS do redis.call('SET', KEYS[i], '1', 'EX', ARGV[1]) end return #KEYS`;

/**
 * "Committed within the last N seconds?" for MQTT meter messages, shared by replicas through
 * Redis. A message is remembered only after its frame was committed: marking it on receipt would
 * make the broker's redelivery after a crash or a failed commit look like a duplicate and lose the
 * frame. (Copies of one message in process at the same moment are caught in process, by the
 * subscriber.) Operations issued in the same event-loop turn go out as one pipeline (the checks as
 * one MGET, the records as one script), so thousands of messages a second cost a few round trips
 * and commands instead of one each.
 */
export class DedupWindow {
  private checks: Check[] = [];
  private writes?: Writes;
  private scheduled = false;

  /** `onWriteError`: told once per failed write of records (the promises of `remember` reject too). */
  constructor(
    private readonly redis: RedisPipelineLike,
    private readonly namespace: string,
    readonly seconds: number,
    private readonly onWriteError?: (err: unknown, keys: number) => void,
  ) {}

  get enabled(): boolean {
    return this.seconds > 0;
  }

  /** The Redis key of one (transceiver, port, frame). */
  keyOf(transceiverId: string, port: number, hex: string): string {
    // One-shot hash (Node ≥ 20.12): no Hash object per message.
    const digest = hash('sha1', `${transceiverId}|${port}|${hex}`, 'base64url');
    return `rems:mqtt-dedup:${this.namespace}:${digest}`;
  }

  /** True when the same (transceiver, port, frame) was committed within the window. */
  seen(key: string): Promise<boolean> {
    if (!this.enabled) return Promise.resolve(false);
    return new Promise((resolve, reject) => {
      this.checks.push({ key, resolve, reject });
      this.schedule();
    });
  }

  /**
   * Records a committed frame for the window. The promise is shared by every record of the same
   * flush (one per turn, not one per frame); with `onWriteError` given, a failure is reported
   * there and callers may ignore the promise.
   */
  remember(key: string): Promise<void> {
    if (!this.enabled) return Promise.resolve();
    if (!this.writes) {
      let resolve!: () => void;
      let reject!: (err: unknown) => void;
      const done = new Promise<void>((res, rej) => ((resolve = res), (reject = rej)));
      const writes: Writes = { keys: [], done, resolve, reject };
      if (this.onWriteError) done.catch((err: unknown) => this.onWriteError!(err, writes.keys.length));
      this.writes = writes;
    }
    this.writes.keys.push(key);
    this.schedule();
    return this.writes.done;
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => void this.flush());
  }

  private async flush(): Promise<void> {
    this.scheduled = false;
    const checks = this.checks;
    const writes = this.writes;
    this.checks = [];
    this.writes = undefined;
    const pipeline = this.redis.pipeline();
    if (checks.length > 0) pipeline.mget(checks.map((op) => op.key));
    if (writes) pipeline.eval(SET_ALL, writes.keys.length, ...writes.keys, this.seconds);
    try {
      const results = await pipeline.exec();
      if (!results) throw new Error('redis pipeline was discarded');
      let i = 0;
      if (checks.length > 0) {
        const [err, values] = results[i++];
        for (let k = 0; k < checks.length; k++) {
          if (err) checks[k].reject(err);
          else checks[k].resolve((values as (string | null)[])[k] !== null);
        }
      }
      if (writes) {
        const [err] = results[i++];
        if (err) writes.reject(err);
        else writes.resolve();
      }
    } catch (err) {
      for (const op of checks) op.reject(err);
      writes?.reject(err);
    }
  }
}
