import type { StreamDefinition } from '@cpo/contracts';
import { nanos } from '@nats-io/transport-node';
import { ensureStreams } from '../src/nats/streams.js';
import { BusFixture } from './fixture.js';

const MINUTE_MS = 60_000;

/** A stream as one release defines it; tests use their own names so the contract's streams are untouched. */
function release(name: string, subjects: string[], limits: Partial<StreamDefinition> = {}): StreamDefinition {
  return { name, subjects, description: `${name} with ${subjects.join(', ')}`, maxAgeMs: 60 * MINUTE_MS, duplicateWindowMs: 2 * MINUTE_MS, ...limits };
}

/**
 * Two releases booting against one JetStream during a rolling upgrade: whichever boots last must
 * not take away what the other one needs (before, an older pod's boot removed the newer release's
 * subjects and the newer release's events were refused until one of its pods booted again).
 */
describe('ensureStreams across releases (real JetStream)', () => {
  const bus = new BusFixture();
  beforeAll(() => bus.setUp());
  afterAll(() => bus.tearDown());

  const subjectsOf = async (stream: string) => [...(await bus.jsm.streams.info(bus.names.stream(stream))).config.subjects].sort();
  const wire = (subjects: string[]) => subjects.map((s) => bus.names.subject(s)).sort();
  const publish = (subject: string) => bus.js.publish(bus.names.subject(subject), 'x', { timeout: 2000 });

  it('keeps the subjects a newer release added when an older release boots, and publishing on them still works', async () => {
    await ensureStreams(bus.jsm, bus.names, 1, [release('UPG_OLDBOOT', ['old.a.>', 'old.b.>', 'old.c.>'])]);

    await ensureStreams(bus.jsm, bus.names, 1, [release('UPG_OLDBOOT', ['old.a.>', 'old.b.>'])]);

    expect(await subjectsOf('UPG_OLDBOOT')).toEqual(wire(['old.a.>', 'old.b.>', 'old.c.>']));
    const ack = await publish('old.c.event');
    expect(ack.stream).toBe(bus.names.stream('UPG_OLDBOOT'));
  });

  it('adds the subjects of a newer release to a stream an older release created', async () => {
    await ensureStreams(bus.jsm, bus.names, 1, [release('UPG_NEWBOOT', ['new.a.>', 'new.b.>'])]);

    await ensureStreams(bus.jsm, bus.names, 1, [release('UPG_NEWBOOT', ['new.a.>', 'new.b.>', 'new.c.>'])]);

    expect(await subjectsOf('UPG_NEWBOOT')).toEqual(wire(['new.a.>', 'new.b.>', 'new.c.>']));
    const ack = await publish('new.c.event');
    expect(ack.stream).toBe(bus.names.stream('UPG_NEWBOOT'));
  });

  it('does not let an older release shorten the retention or the duplicate window', async () => {
    await ensureStreams(bus.jsm, bus.names, 1, [release('UPG_LIMITS', ['lim.>'], { maxAgeMs: 120 * MINUTE_MS, duplicateWindowMs: 5 * MINUTE_MS })]);

    await ensureStreams(bus.jsm, bus.names, 1, [release('UPG_LIMITS', ['lim.>'], { maxAgeMs: 60 * MINUTE_MS, duplicateWindowMs: 2 * MINUTE_MS })]);

    const { config } = await bus.jsm.streams.info(bus.names.stream('UPG_LIMITS'));
    expect({ maxAge: config.max_age, window: config.duplicate_window }).toEqual({ maxAge: nanos(120 * MINUTE_MS), window: nanos(5 * MINUTE_MS) });
  });

  it('moves a subject this release defines on another stream instead of keeping it (JetStream refuses overlapping streams)', async () => {
    // An earlier release captured `mov.x.>` on UPG_FROM; this one captures it on UPG_TO, which it
    // updates first: keeping `mov.x.>` on UPG_FROM by the union would make that update fail.
    await ensureStreams(bus.jsm, bus.names, 1, [release('UPG_FROM', ['mov.a.>', 'mov.x.>']), release('UPG_TO', ['mov.b.>'])]);

    await ensureStreams(bus.jsm, bus.names, 1, [release('UPG_TO', ['mov.b.>', 'mov.x.>']), release('UPG_FROM', ['mov.a.>'])]);

    expect(await subjectsOf('UPG_FROM')).toEqual(wire(['mov.a.>']));
    expect(await subjectsOf('UPG_TO')).toEqual(wire(['mov.b.>', 'mov.x.>']));
    expect((await publish('mov.x.event')).stream).toBe(bus.names.stream('UPG_TO'));
  });

  it('does not update a stream that already holds everything this release needs (no flapping between releases)', async () => {
    await ensureStreams(bus.jsm, bus.names, 1, [release('UPG_STABLE', ['st.a.>', 'st.b.>'])]);
    const before = await bus.jsm.streams.info(bus.names.stream('UPG_STABLE'));

    await ensureStreams(bus.jsm, bus.names, 1, [release('UPG_STABLE', ['st.a.>'])]);

    const after = await bus.jsm.streams.info(bus.names.stream('UPG_STABLE'));
    expect(after.config).toEqual(before.config);
  });
});
