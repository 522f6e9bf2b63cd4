import pino from 'pino';
import { PeriodicPass } from './periodic-pass.js';

/** A pass over `stations` that waits for `release()` at each one, recording the ones it reached. */
class Pass extends PeriodicPass {
  protected readonly logger = pino({ level: 'silent' });
  protected readonly what = 'test pass';
  readonly reached: string[] = [];
  private gate?: () => void;

  constructor(private readonly stations: string[]) {
    super();
  }

  release(): void {
    this.gate?.();
  }

  shutdown(): Promise<void> {
    return this.stop();
  }

  protected async pass(): Promise<void> {
    for (const station of this.stations) {
      if (this.stopping) return;
      this.reached.push(station);
      await new Promise<void>((resolve) => (this.gate = resolve));
    }
  }
}

describe('PeriodicPass', () => {
  it('stop() waits for the running pass, which ends after the charger it is at; none runs after it', async () => {
    const pass = new Pass(['CP-1', 'CP-2', 'CP-3']);
    const running = pass.run();
    expect(pass.reached).toEqual(['CP-1']);
    let stopped = false;
    const stopping = pass.shutdown().then(() => (stopped = true));
    await new Promise((r) => setImmediate(r));
    expect(stopped).toBe(false); // CP-1 is still being handled
    pass.release();
    await stopping;
    await running;
    expect(pass.reached).toEqual(['CP-1']);
    await pass.run();
    expect(pass.reached).toEqual(['CP-1']);
  });

  it('a run asked for while one is running waits for that one instead of starting another', async () => {
    const pass = new Pass(['CP-1']);
    const first = pass.run();
    const second = pass.run();
    pass.release();
    await Promise.all([first, second]);
    expect(pass.reached).toEqual(['CP-1']);
  });
});
