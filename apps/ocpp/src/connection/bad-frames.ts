/** How much of a malformed frame is kept in `rejected_frames`: enough to read it, not a flood's worth. */
export const MAX_RAW_FRAME_KEPT = 65_536;

/**
 * A socket's malformed frames over the last minute: more than `maxPerMinute` and the socket is closed
 * (a charger sending garbage in a loop, or something that is not a charger).
 */
export class BadFrameWindow {
  private times: number[] = [];

  constructor(private readonly maxPerMinute: number) {}

  /** Counts one now; true once the window holds more than allowed. */
  add(now = Date.now()): boolean {
    this.times = this.times.filter((t) => t > now - 60_000);
    this.times.push(now);
    return this.times.length > this.maxPerMinute;
  }
}

/**
 * The `reason` label of a bad frame: the reason's fixed part, its numbers as `N` (a reason like
 * "message type 2 needs 4 elements, got 17" would otherwise make a series per element count).
 */
export function badFrameLabel(reason: string): string {
  return reason.split(':')[0]!.replace(/\d+/g, 'N').slice(0, 40);
}
