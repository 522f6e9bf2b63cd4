import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { databaseUrl, deleteStreams, dropDatabase, eventually, testServers, uniqueSuffix } from '@cpo/testing';

// The real entry point, as `npm start` runs it: compiled, in its own process.
const main = 'dist/apps/planner/src/main.js';

describe('an app as a process', () => {
  const suffix = uniqueSuffix();
  const database = `planner_t_${suffix}`;
  const prefix = `t_${suffix}`;
  let child: ChildProcess | undefined;

  beforeAll(() => {
    const build = spawnSync(process.execPath, ['scripts/build.mjs'], { encoding: 'utf8' });
    if (build.status !== 0) throw new Error(build.stderr);
  });
  afterAll(async () => {
    child?.kill('SIGKILL');
    await dropDatabase(database);
    await deleteStreams(prefix);
  });

  it('refuses to start with bad configuration, naming the variable', () => {
    const run = spawnSync(process.execPath, [main], { env: { ...process.env, HTTP_PORT: 'eighty', LOG_LEVEL: 'loud' }, encoding: 'utf8', timeout: 20_000 });
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/Invalid configuration/);
    expect(run.stderr).toMatch(/HTTP_PORT: .*"eighty"/);
    expect(run.stderr).toMatch(/LOG_LEVEL/);
  });

  it('boots, becomes ready, logs JSON, and stops cleanly on SIGTERM', async () => {
    const port = 20000 + Math.floor(Math.random() * 20000);
    child = spawn(process.execPath, [main], {
      env: {
        ...process.env,
        NODE_ENV: 'test',
        HTTP_HOST: '127.0.0.1',
        HTTP_PORT: String(port),
        DATABASE_URL: databaseUrl(database),
        NATS_URL: testServers.nats,
        NATS_SUBJECT_PREFIX: prefix,
        REDIS_URL: testServers.redis,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout!.on('data', (d) => (out += d));
    child.stderr!.on('data', (d) => (out += d));
    const exited = new Promise<number | null>((resolve) => child!.on('exit', (code) => resolve(code)));

    const ready = await eventually(async () => (await fetch(`http://127.0.0.1:${port}/health/ready`).catch(() => undefined))?.status === 200, 30_000, 100);
    expect(ready).toBe(true);
    child.kill('SIGTERM');
    expect(await exited).toBe(0);

    const lines = out.trim().split('\n').map((l) => JSON.parse(l) as { msg: string; service: string; level: string });
    expect(lines.every((l) => l.service === 'planner')).toBe(true);
    const messages = lines.map((l) => l.msg);
    expect(messages).toEqual(expect.arrayContaining(['planner listening', 'shutting down', 'stopped']));
    expect(messages.indexOf('stopped')).toBeGreaterThan(messages.indexOf('shutting down'));
  });
});
