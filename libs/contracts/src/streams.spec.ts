import { Streams, allStreams, streamForSubject } from './streams.js';
import { subjectMatches, subjectsOverlap } from './subject-match.js';
import {
  OCPI_TOKEN_AUTHORIZE_SUBJECT,
  OCPP_COMMAND_WILDCARD,
  OCPP_DATA_TRANSFER_WILDCARD,
  Subjects,
  deadLetterSubject,
  ocppCommandSubject,
  ocppDataTransferSubject,
} from './subjects.js';

const DAY_MS = 86_400_000;
const capturing = (subject: string) =>
  allStreams.filter((stream) => stream.subjects.some((pattern) => subjectMatches(pattern, subject)));

describe('Streams', () => {
  it('has the agreed names', () => {
    expect(Object.keys(Streams).sort()).toEqual(['CAPACITY', 'DEADLETTER', 'OCPI', 'OCPP', 'PLANNER', 'REMS']);
    for (const [key, stream] of Object.entries(Streams)) expect(stream.name).toBe(key);
  });

  it.each(Object.values(Subjects))('captures %s in exactly one stream', (subject) => {
    expect(capturing(subject)).toHaveLength(1);
  });

  it('puts each subject in its domain stream', () => {
    expect(streamForSubject(Subjects.CapacityAdjustRequested).name).toBe('CAPACITY');
    expect(streamForSubject(Subjects.PlannerStationLimitsPlanned).name).toBe('PLANNER');
    expect(streamForSubject(Subjects.OcppChargingProfileFailed).name).toBe('OCPP');
    expect(streamForSubject(Subjects.OcppMeterSampled).name).toBe('OCPP');
    expect(streamForSubject(Subjects.RemsMeasurementDecoded).name).toBe('REMS');
    expect(streamForSubject(Subjects.OcpiCommandResult).name).toBe('OCPI');
    expect(streamForSubject(deadLetterSubject('ocpp-station-limits')).name).toBe('DEADLETTER');
  });

  it('never captures the core request/reply subjects', () => {
    const coreSubjects = [
      OCPP_COMMAND_WILDCARD,
      ocppCommandSubject('TW-TPE-0001'),
      ocppCommandSubject('CP.01'),
      OCPI_TOKEN_AUTHORIZE_SUBJECT,
      OCPP_DATA_TRANSFER_WILDCARD,
      ocppDataTransferSubject('com.example'),
    ];
    for (const stream of allStreams) {
      for (const pattern of stream.subjects) {
        for (const core of coreSubjects) expect({ pattern, core, overlap: subjectsOverlap(pattern, core) }).toEqual({ pattern, core, overlap: false });
      }
    }
  });

  it('throws for a subject no stream captures', () => {
    expect(() => streamForSubject(ocppCommandSubject('TW-TPE-0001'))).toThrow(/no stream captures/);
    expect(() => streamForSubject(OCPI_TOKEN_AUTHORIZE_SUBJECT)).toThrow(/no stream captures/);
    expect(() => streamForSubject('billing.invoice.created')).toThrow(/no stream captures/);
  });

  it('has no two streams overlapping (JetStream would refuse them)', () => {
    const patterns = allStreams.flatMap((stream) => stream.subjects.map((pattern) => ({ stream: stream.name, pattern })));
    for (const a of patterns) {
      for (const b of patterns) {
        if (a === b) continue;
        expect({ a, b, overlap: subjectsOverlap(a.pattern, b.pattern) }).toEqual({ a, b, overlap: false });
      }
    }
  });

  it('uses the agreed retention and duplicate window', () => {
    for (const stream of allStreams) {
      const days = { DEADLETTER: 30, REMS: 3 }[stream.name] ?? 7;
      expect(stream.maxAgeMs).toBe(days * DAY_MS);
      expect(stream.duplicateWindowMs).toBe(120_000);
      expect(stream.description.length).toBeGreaterThan(0);
    }
  });
});
