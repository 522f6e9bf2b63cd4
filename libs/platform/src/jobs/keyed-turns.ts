/**
 * Work serialised per key (a station, a list): each piece runs after the ones queued before it for
 * the same key have settled, whatever their outcome, and pieces for other keys run meanwhile. A
 * key's entry goes once its last piece settles, so the map holds only keys with work under way.
 */
export class KeyedTurns {
  private readonly tails = new Map<string, Promise<void>>();

  /** Runs `work` in `key`'s turn; settles as `work` does. */
  run<T>(key: string, work: () => Promise<T>): Promise<T> {
    const run = (this.tails.get(key) ?? Promise.resolve()).then(work);
    const tail = run.then(
      () => undefined,
      () => undefined,
    );
    this.tails.set(key, tail);
    void tail.then(() => {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    });
    return run;
  }

  /** Whether `key` has work queued or under way. */
  busy(key: string): boolean {
    return this.tails.has(key);
  }
}
