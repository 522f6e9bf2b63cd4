import { createHash } from 'node:crypto';

/** The subset of ioredis the window uses (a pipeline of SET … EX … NX). */
export interface RedisPipelineLike {
  pipeline(): { set(key: string, value: string, ex: 'EX', seconds: number, nx: 'NX'): unknown; exec(): Promise<[Error | null, unknown][] | null> };
}

/**
 * "Seen within the last N seconds?" for MQTT meter messages, shared by replicas through Redis.
 * Checks arriving in the same event-loop turn go out as one pipeline, so thousands of messages a
 * second cost a few round trips instead of one each.
 */
export class DedupWindow {
  private queue: { key: string; resolve: (duplicate: boolean) => void; reject: (err: unknown) => void }[] = [];

  constructor(
    private readonly redis: RedisPipelineLike,
    private readonly namespace: string,
    private readonly seconds: number,
  ) {}

  /** True when the same (transceiver, port, frame) was seen within the window. */
  isDuplicate(transceiverId: string, port: number, hex: string): Promise<boolean> {
    if (this.seconds === 0) return Promise.resolve(false);
    const digest = createHash('sha1').update(`${transceiverId}|${port}|${hex}`).digest('base64url');
    return new Promise((resolve, reject) => {
      if (this.queue.length === 0) setImmediate(() => void this.flush());
      this.queue.push({ key: `rems:mqtt-dedup:${this.namespace}:${digest}`, resolve, reject });
    });
  }

  private async flush(): Promise<void> {
    const batch = this.queue;
    this.queue = [];
    const pipeline = this.redis.pipeline();
    for (const item of batch) pipeline.set(item.key, '1', 'EX', this.seconds, 'NX');
    try {
      const results = await pipeline.exec();
      if (!results) throw new Error('redis pipeline was discarded');
      batch.forEach((item, i) => {
        const [err, reply] = results[i];
        if (err) item.reject(err);
        else item.resolve(reply === null);
      });
    } catch (err) {
      for (const item of batch) item.reject(err);
    }
  }
}
