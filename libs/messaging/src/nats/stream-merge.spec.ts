import type { StreamConfig } from '@nats-io/jetstream';
import { covers, differs, mergeStreamConfig, movedSubjects, type WantedStreamConfig } from './stream-merge.js';

const S = 1_000_000_000;

function current(subjects: string[], limits: Partial<StreamConfig> = {}): StreamConfig {
  return { name: 'OCPP', subjects, description: 'stream', max_age: 60 * S, duplicate_window: 10 * S, num_replicas: 1, ...limits } as StreamConfig;
}

function wanted(subjects: string[], limits: Partial<WantedStreamConfig> = {}): WantedStreamConfig {
  return { name: 'OCPP', subjects, description: 'stream', max_age: 60 * S, duplicate_window: 10 * S, num_replicas: 1, ...limits };
}

describe('mergeStreamConfig', () => {
  it('keeps the subjects of a newer release and adds its own', () => {
    expect(mergeStreamConfig(current(['a.>', 'c.>']), wanted(['a.>', 'b.>']), []).subjects).toEqual(['a.>', 'b.>', 'c.>']);
  });

  it('lists a subject once, and not at all when another one captures it already', () => {
    expect(mergeStreamConfig(current(['a.>', 'b.x']), wanted(['a.b.*', 'b.>']), []).subjects).toEqual(['b.>', 'a.>']);
  });

  it('drops a subject this release captures on another stream, so that stream is not refused as overlapping', () => {
    const merged = mergeStreamConfig(current(['a.>', 'moved.>']), wanted(['a.>']), ['moved.x.*', 'other.>']);
    expect(merged.subjects).toEqual(['a.>']);
    expect(movedSubjects(current(['a.>', 'moved.>']), merged)).toEqual(['moved.>']);
  });

  it('keeps the larger max age and duplicate window; max age 0 is unlimited', () => {
    expect(mergeStreamConfig(current(['a.>'], { max_age: 90 * S, duplicate_window: 5 * S }), wanted(['a.>']), [])).toMatchObject({ max_age: 90 * S, duplicate_window: 10 * S });
    expect(mergeStreamConfig(current(['a.>'], { max_age: 0 }), wanted(['a.>']), []).max_age).toBe(0);
    expect(mergeStreamConfig(current(['a.>'], { max_age: 30 * S }), wanted(['a.>']), []).max_age).toBe(60 * S);
  });

  it('takes the deployment\'s replicas, and keeps the description of a release that defines more subjects', () => {
    expect(mergeStreamConfig(current(['a.>'], { num_replicas: 3 }), wanted(['a.>']), []).num_replicas).toBe(1);
    expect(mergeStreamConfig(current(['a.>', 'c.>'], { description: 'newer' }), wanted(['a.>'], { description: 'older' }), []).description).toBe('newer');
    expect(mergeStreamConfig(current(['a.>'], { description: 'older' }), wanted(['a.>', 'c.>'], { description: 'newer' }), []).description).toBe('newer');
  });

  it('changes nothing when the stream already holds all this release needs', () => {
    const stream = current(['a.>', 'c.>'], { description: 'newer', max_age: 90 * S });
    expect(differs(stream, mergeStreamConfig(stream, wanted(['a.>']), []))).toBe(false);
  });
});

describe('covers', () => {
  it.each([
    ['a.>', 'a.b', true],
    ['a.>', 'a.b.>', true],
    ['a.>', 'a', false],
    ['a.*', 'a.b', true],
    ['a.*', 'a.*', true],
    ['a.*', 'a.>', false],
    ['a.b', 'a.*', false],
    ['a.b', 'a.b', true],
    ['a.*.c', 'a.b.c', true],
    ['a.*', 'a.b.c', false],
  ])('%s covers %s: %s', (wide, narrow, expected) => {
    expect(covers(wide, narrow)).toBe(expected);
  });
});
