import { Streams, Subjects, subjectMatches } from '@cpo/contracts';
import type { JetStreamManager } from '@nats-io/jetstream';
import { BusNames } from '../bus-names.js';
import { ensureStreams, streamConfig } from './streams.js';

/** A JetStream API error as @nats-io/jetstream raises it: `code` is the server's err_code. */
function apiError(description: string, code: number): Error {
  return Object.assign(new Error(description), { code });
}

/** A manager with no streams whose `add` fails with `failures` errors first, then succeeds. */
function manager(failures: Error[]): { jsm: JetStreamManager; added: string[]; attempts: () => number } {
  const added: string[] = [];
  let attempts = 0;
  const jsm = {
    streams: {
      info: async () => {
        throw new Error('stream not found');
      },
      add: async (config: { name: string }) => {
        attempts += 1;
        const failure = failures.shift();
        if (failure) throw failure;
        added.push(config.name);
        return {};
      },
      update: async () => ({}),
    },
  } as unknown as JetStreamManager;
  return { jsm, added, attempts: () => attempts };
}

describe('ensureStreams', () => {
  const names = new BusNames('t_streams_spec');
  const streamCount = Object.keys(Streams).length;

  it('tries again when the server failed to create the store (nats-server 2.9 removes the account directory with its last stream)', async () => {
    const m = manager([apiError('error creating store for stream', 10077), apiError('error creating store for stream', 10077)]);
    await ensureStreams(m.jsm, names, 1);
    expect(m.added).toHaveLength(streamCount);
    expect(m.attempts()).toBe(streamCount + 2);
  });

  it('fails the boot when the store cannot be created after five attempts', async () => {
    const m = manager(Array.from({ length: 5 }, () => apiError('error creating store for stream', 10077)));
    await expect(ensureStreams(m.jsm, names, 1)).rejects.toThrow('error creating store for stream');
    expect(m.attempts()).toBe(5);
  });

  it('does not retry other refusals', async () => {
    const m = manager([apiError('subjects overlap with an existing stream', 10065)]);
    await expect(ensureStreams(m.jsm, names, 1)).rejects.toThrow('subjects overlap');
    expect(m.attempts()).toBe(1);
  });

  it('adds the contract\'s new subjects to a stream an older release created (an upgrade needs no manual stream change)', async () => {
    // The OCPP stream as releases before the late-outcome events created it.
    const before = ['ocpp.station.>', 'ocpp.connector.>', 'ocpp.transaction.>', 'ocpp.meter.>', 'ocpp.charging-profile.>'];
    const updated: { name: string; subjects: string[] }[] = [];
    const jsm = {
      streams: {
        info: async (name: string) => {
          const def = Object.values(Streams).find((d) => names.stream(d.name) === name)!;
          const config = streamConfig(def, names, 1);
          return { config: def.name === 'OCPP' ? { ...config, subjects: before.map((s) => names.subject(s)) } : config };
        },
        add: async () => {
          throw new Error('no stream is missing');
        },
        update: async (name: string, config: { subjects: string[] }) => {
          updated.push({ name, subjects: config.subjects });
          return {};
        },
      },
    } as unknown as JetStreamManager;

    await ensureStreams(jsm, names, 1);

    expect(updated.map((u) => u.name)).toEqual([names.stream('OCPP')]);
    for (const subject of [Subjects.OcppRemoteStartSettled, Subjects.OcppReservationUpdated, Subjects.OcppFirmwareStatus, Subjects.OcppDiagnosticsStatus]) {
      expect(updated[0]!.subjects.some((pattern) => subjectMatches(pattern, names.subject(subject)))).toBe(true);
    }
  });
});
