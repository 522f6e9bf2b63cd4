import { subjectsOverlap } from '@cpo/contracts';
import type { StreamConfig } from '@nats-io/jetstream';

/** The settings `ensureStreams` writes to a stream (wire names: prefixed subjects, nanoseconds). */
export type WantedStreamConfig = Partial<StreamConfig> & { name: string; subjects: string[] };

/**
 * What to write to a stream that already exists, so that no release undoes what another release
 * running at the same time needs. During a rolling upgrade pods of two releases boot in any order
 * (restart, reschedule, scale-up); if each wrote its own definition, an older pod would take a
 * newer release's subjects off the stream and JetStream would refuse that release's events.
 *
 * - subjects: the union of the stream's and this release's. Removing one is an explicit operator
 *   step (docs/operations.md, Upgrade), because no pod can tell an obsolete subject from a newer
 *   release's. Exception: a subject this release captures on another of its streams (it moved) is
 *   dropped here, since keeping it would make JetStream refuse that other stream (overlap).
 * - max_age and duplicate_window: the larger. Lowering max_age deletes stored events at once, which
 *   a newer release may keep for replay; a shorter duplicate window lets its outbox retries through
 *   as duplicates. Raising either is harmless, so a release can raise them; lowering is explicit.
 *   The larger of each still satisfies duplicate_window <= max_age, as both inputs did.
 * - num_replicas: this release's, because it is the deployment's NATS_STREAM_REPLICAS, not the
 *   release's, and all pods read the same value.
 * - description: the stream's while it holds subjects this release does not define (a newer
 *   release wrote it and describes them), else this release's; it is informative only, and this
 *   keeps older pods from rewriting the stream at every boot.
 */
export function mergeStreamConfig(current: StreamConfig, wanted: WantedStreamConfig, otherStreamsSubjects: readonly string[]): WantedStreamConfig {
  const foreign = current.subjects.filter((subject) => !wanted.subjects.includes(subject));
  const kept = foreign.filter((subject) => !otherStreamsSubjects.some((other) => subjectsOverlap(other, subject)));
  return {
    ...wanted,
    subjects: withoutCovered([...wanted.subjects, ...kept]),
    max_age: longerMaxAge(current.max_age, wanted.max_age),
    duplicate_window: Math.max(current.duplicate_window ?? 0, wanted.duplicate_window ?? 0),
    description: kept.some((subject) => !wanted.subjects.some((own) => covers(own, subject))) ? current.description : wanted.description,
  };
}

/**
 * The subjects `mergeStreamConfig` takes off the stream: those this release captures on another
 * stream. They must go before that stream is updated, as JetStream refuses overlapping streams.
 */
export function movedSubjects(current: StreamConfig, merged: WantedStreamConfig): string[] {
  return current.subjects.filter((subject) => !merged.subjects.some((kept) => covers(kept, subject)));
}

/** Whether writing `wanted` would change anything `ensureStreams` manages. */
export function differs(current: StreamConfig, wanted: WantedStreamConfig): boolean {
  return (
    JSON.stringify([...current.subjects].sort()) !== JSON.stringify([...wanted.subjects].sort()) ||
    current.max_age !== wanted.max_age ||
    current.duplicate_window !== wanted.duplicate_window ||
    current.num_replicas !== wanted.num_replicas ||
    current.description !== wanted.description
  );
}

/** JetStream's max_age 0 means "no limit", the longest of all. */
function longerMaxAge(a: number | undefined, b: number | undefined): number {
  if (a === 0 || b === 0) return 0;
  return Math.max(a ?? 0, b ?? 0);
}

/** The subjects without duplicates (JetStream refuses them) and without those another one already captures. */
function withoutCovered(subjects: string[]): string[] {
  const unique = [...new Set(subjects)];
  return unique.filter((subject) => !unique.some((other) => other !== subject && covers(other, subject)));
}

/** Whether every subject `narrow` matches is also matched by `wide` (e.g. `a.>` covers `a.b.*`). */
export function covers(wide: string, narrow: string): boolean {
  const w = wide.split('.');
  const n = narrow.split('.');
  for (let i = 0; i < w.length; i++) {
    if (w[i] === '>') return n.length > i;
    if (n[i] === undefined || n[i] === '>') return false;
    if (w[i] !== '*' && (n[i] === '*' || w[i] !== n[i])) return false;
  }
  return n.length === w.length;
}
