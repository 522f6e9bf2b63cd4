import type { MetricsService } from '@cpo/platform';
import pino from 'pino';
import { Registry } from 'prom-client';
import type { Redis } from 'ioredis';
import type { RemsIngestConfig } from '../config.js';
import { RetentionJob } from './retention.job.js';
import type { RetentionRepository } from './retention.repository.js';

const NOW = new Date('2026-12-05T00:00:00Z');

function job(days: number, backlog: number) {
  const cutoffs: Date[] = [];
  let left = backlog;
  const repo = {
    deleteRawFramesBefore: async (cutoff: Date, limit: number) => {
      cutoffs.push(cutoff);
      const n = Math.min(left, limit);
      left -= n;
      return n;
    },
    deleteRefreshTokensExpiredBefore: async () => 0,
  } as unknown as RetentionRepository;
  const config = { REMS_RAW_FRAME_RETENTION_DAYS: days, DATABASE_URL: 'postgres://x/rems' } as RemsIngestConfig;
  const metrics = { registry: new Registry() } as unknown as MetricsService;
  const j = new RetentionJob(repo, {} as Redis, { now: () => NOW }, config, pino({ level: 'silent' }), metrics);
  return { j, cutoffs };
}

describe('RetentionJob.runOnce', () => {
  it('deletes in batches until a batch comes back short, from the configured age', async () => {
    const { j, cutoffs } = job(30, 12_345);
    expect(await j.runOnce()).toEqual({ rawFrames: 12_345, refreshTokens: 0, complete: true });
    expect(cutoffs).toHaveLength(3);
    expect(cutoffs[0]).toEqual(new Date('2026-11-05T00:00:00Z'));
  });

  it('keeps every raw frame with REMS_RAW_FRAME_RETENTION_DAYS=0', async () => {
    const { j, cutoffs } = job(0, 100);
    expect(await j.runOnce()).toEqual({ rawFrames: 0, refreshTokens: 0, complete: true });
    expect(cutoffs).toHaveLength(0);
  });
});
