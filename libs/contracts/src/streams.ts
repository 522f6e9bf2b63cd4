/**
 * JetStream stream definitions: one stream per domain, plus the dead-letter stream. Each event
 * subject is captured by exactly one stream; no stream captures a request/reply subject
 * (`ocpp.command.*`, `ocpi.token.authorize`), which is why the OCPP and OCPI streams list their
 * event families instead of `ocpp.>` / `ocpi.>`. `streams.spec.ts` checks both rules.
 */
import { subjectMatches } from './subject-match.js';

/** What the messaging layer needs to create or update a stream. */
export interface StreamDefinition {
  /** Stream name (upper case, as JetStream shows it). */
  name: string;
  /** Subject filters the stream captures (may use `*` and `>`). */
  subjects: string[];
  /** Human-readable description stored with the stream. */
  description: string;
  /** How long messages are kept, in milliseconds (JetStream `max_age`). */
  maxAgeMs: number;
  /** Window in which a repeated `Nats-Msg-Id` is dropped as a duplicate, in milliseconds. */
  duplicateWindowMs: number;
}

const MINUTE_MS = 60_000;
const DAY_MS = 24 * 60 * MINUTE_MS;

/** Default retention: long enough to replay a week of events after an outage or a bug fix. */
const DEFAULT_MAX_AGE_MS = 7 * DAY_MS;
/** Outbox relays retry within seconds; two minutes absorbs a relay restart. */
const DUPLICATE_WINDOW_MS = 2 * MINUTE_MS;

/** The streams of the bus, by name. Treat them as read-only. */
export const Streams = {
  CAPACITY: {
    name: 'CAPACITY',
    subjects: ['capacity.forecast.>', 'capacity.adjust.>', 'capacity.compliance.>'],
    description: 'Group capacity exchanged with the capacity provider (OSCP): forecasts, adjust requests, compliance errors',
    maxAgeMs: DEFAULT_MAX_AGE_MS,
    duplicateWindowMs: DUPLICATE_WINDOW_MS,
  },
  PLANNER: {
    name: 'PLANNER',
    subjects: ['planner.station-limits.>', 'planner.group.>'],
    description: 'Per-station limit schedules planned from group capacity, and group membership',
    maxAgeMs: DEFAULT_MAX_AGE_MS,
    duplicateWindowMs: DUPLICATE_WINDOW_MS,
  },
  OCPP: {
    name: 'OCPP',
    subjects: [
      'ocpp.station.>',
      'ocpp.connector.>',
      'ocpp.transaction.>',
      'ocpp.meter.>',
      'ocpp.charging-profile.>',
      // Late outcomes of operator commands. An existing stream gets them at boot (ensureStreams
      // updates the subjects), so a deployment needs no manual stream change.
      'ocpp.remote-start.>',
      'ocpp.reservation.>',
      'ocpp.firmware.>',
      'ocpp.diagnostics.>',
    ],
    description:
      'What chargers did and measured: connections, boots, statuses, transactions, meter values, profiles; late outcomes of remote starts, reservations, firmware and diagnostics',
    maxAgeMs: DEFAULT_MAX_AGE_MS,
    duplicateWindowMs: DUPLICATE_WINDOW_MS,
  },
  REMS: {
    name: 'REMS',
    subjects: ['rems.measurement.>'],
    description: 'Decoded generation samples from REMS RTUs',
    // High volume (one sample per transceiver port per minute) and only recent values matter.
    maxAgeMs: 3 * DAY_MS,
    duplicateWindowMs: DUPLICATE_WINDOW_MS,
  },
  OCPI: {
    name: 'OCPI',
    subjects: ['ocpi.command.>'],
    description: 'OCPI commands for our own chargers and their results',
    maxAgeMs: DEFAULT_MAX_AGE_MS,
    duplicateWindowMs: DUPLICATE_WINDOW_MS,
  },
  DEADLETTER: {
    name: 'DEADLETTER',
    subjects: ['dlq.>'],
    description: 'Messages a consumer gave up on after bounded redelivery, with the reason in headers',
    // Kept longer so that an operator can inspect and replay them after a holiday.
    maxAgeMs: 30 * DAY_MS,
    duplicateWindowMs: DUPLICATE_WINDOW_MS,
  },
} satisfies Record<string, StreamDefinition>;

/** Name of one of the {@link Streams}. */
export type StreamName = keyof typeof Streams;

/** All stream definitions, e.g. to create them at start-up. */
export const allStreams: readonly StreamDefinition[] = Object.values(Streams);

/**
 * The stream that captures `subject` (a literal subject, e.g. an event subject or `dlq.x`).
 * @throws Error when no stream captures it (e.g. a request/reply subject).
 */
export function streamForSubject(subject: string): StreamDefinition {
  const stream = allStreams.find((candidate) => candidate.subjects.some((pattern) => subjectMatches(pattern, subject)));
  if (stream === undefined) throw new Error(`no stream captures subject "${subject}"`);
  return stream;
}
