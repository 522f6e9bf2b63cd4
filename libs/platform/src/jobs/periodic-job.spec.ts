import { PeriodicJob } from './periodic-job.js';

describe('PeriodicJob', () => {
  it('runs once at a time: runNow while a run is in progress waits for that run', async () => {
    let runs = 0;
    let finish!: () => void;
    const job = new PeriodicJob(() => ((runs += 1), new Promise<void>((resolve) => (finish = resolve))), 60_000, () => undefined);
    const first = job.runNow();
    const second = job.runNow();
    expect(runs).toBe(1);
    finish();
    await Promise.all([first, second]);
    await job.stop();
  });

  it('hands a failing run to onError and runs again afterwards', async () => {
    const errors: unknown[] = [];
    let fail = true;
    const job = new PeriodicJob(async () => {
      if (fail) throw new Error('boom');
    }, 60_000, (err) => errors.push(err));
    await job.runNow();
    fail = false;
    await job.runNow();
    expect(errors.map((e) => (e as Error).message)).toEqual(['boom']);
    await job.stop();
  });

  it('stop() waits for the run in progress, which sees `stopping`; nothing runs afterwards', async () => {
    const seen: boolean[] = [];
    let runs = 0;
    let proceed!: () => void;
    const job: PeriodicJob = new PeriodicJob(
      async () => {
        runs += 1;
        await new Promise<void>((resolve) => (proceed = resolve));
        seen.push(job.stopping);
      },
      60_000,
      () => undefined,
    );
    job.start({ runNow: true });
    let stopped = false;
    const stopping = job.stop().then(() => (stopped = true));
    await Promise.resolve();
    expect(stopped).toBe(false);
    proceed();
    await stopping;
    expect(seen).toEqual([true]);
    await job.runNow();
    expect(runs).toBe(1);
  });
});
