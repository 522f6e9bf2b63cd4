import { z } from 'zod';
import { EventSchemas, legacyVersion, schemaVersionOf, supportedVersionsOf } from './event-map.js';
import { OcpiTokenAuthorizeReplyV1, OcppCommandReplyV1, OcppCommandRequestV1 } from './requests.js';
import { Subjects, type EventSubject } from './subjects.js';
import { sampleEvents, sampleRequests } from './testing/samples.js';
import { MAX_REASON_LENGTH, isEventSubject, parseRequestPayload, validateEvent } from './validate.js';

describe('validateEvent', () => {
  it('returns the typed value', () => {
    const result = validateEvent(Subjects.OcppTransactionStarted, 1, sampleEvents[Subjects.OcppTransactionStarted]);
    if (!result.ok) throw new Error(result.reason);
    // Type-level check: the value is the transaction payload.
    const transactionId: number = result.value.transactionId;
    expect(transactionId).toBe(184_467);
  });

  it('rejects an unknown subject', () => {
    expect(validateEvent('ocpp.station.exploded', 1, {})).toEqual({
      ok: false,
      reason: 'unknown event subject "ocpp.station.exploded"',
    });
    expect(validateEvent('ocpp.command.TW-TPE-0001', 1, {}).ok).toBe(false);
  });

  it.each([0, 2, 1.5, Number.NaN])('rejects the unsupported schema version %p, naming the supported ones', (version) => {
    const result = validateEvent(Subjects.OcppMeterSampled, version, sampleEvents[Subjects.OcppMeterSampled]);
    expect(result).toEqual({
      ok: false,
      reason: `unsupported schema version ${String(version)} for "ocpp.meter.sampled"; supported: 1`,
    });
  });

  it('lists every issue as path: message', () => {
    const payload = {
      ...sampleEvents[Subjects.OcppTransactionStopped],
      meterStopWh: -1,
      stoppedAt: 'yesterday',
      reason: 'Bored',
    };
    const result = validateEvent(Subjects.OcppTransactionStopped, 1, payload);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.reason.split('; ')).toEqual([
      'meterStopWh: Too small: expected number to be >=0',
      'stoppedAt: Invalid ISO datetime',
      expect.stringMatching(/^reason: Invalid option/),
    ]);
  });

  it('caps the reason length', () => {
    const payload = {
      ...sampleEvents[Subjects.CapacityForecastReceived],
      blocks: sampleEvents[Subjects.CapacityForecastReceived].blocks.map((block) => ({ ...block, powerW: -1, phase: 'ALL_OF_THEM' })),
    };
    const result = validateEvent(Subjects.CapacityForecastReceived, 1, payload);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.reason.length).toBeLessThanOrEqual(MAX_REASON_LENGTH);
    expect(result.reason.endsWith('…')).toBe(true);
    expect(result.reason.startsWith('blocks.0.powerW: Too small: expected number to be >=0; blocks.0.phase: ')).toBe(true);
  });
});

describe('schema versions', () => {
  it.each(Object.values(Subjects))('%s is published at version 1 and accepts only it', (subject) => {
    expect(schemaVersionOf(subject)).toBe(1);
    expect(supportedVersionsOf(subject)).toEqual([1]);
  });

  it('has a schema for every subject and nothing else', () => {
    expect(Object.keys(EventSchemas).sort()).toEqual(Object.values(Subjects).sort());
  });

  it('declares legacy versions whose upgrade receives the parsed old payload', () => {
    const V0 = z.strictObject({ stationId: z.string(), at: z.string() });
    const legacy = legacyVersion(V0, (old) => ({ stationId: old.stationId, connectedAt: old.at }));
    const parsed = legacy.schema.parse({ stationId: 'TW-TPE-0001', at: '2025-06-18T00:00:00Z' });
    expect(legacy.upgrade(parsed)).toEqual({ stationId: 'TW-TPE-0001', connectedAt: '2025-06-18T00:00:00Z' });
  });
});

describe('isEventSubject', () => {
  it('accepts event subjects only', () => {
    const subjects: readonly EventSubject[] = Object.values(Subjects);
    for (const subject of subjects) expect(isEventSubject(subject)).toBe(true);
    for (const other of ['ocpp.command.TW-TPE-0001', 'ocpi.token.authorize', 'dlq.x', 'toString', '__proto__', 42, undefined]) {
      expect(isEventSubject(other)).toBe(false);
    }
  });
});

describe('parseRequestPayload', () => {
  it('accepts the sample request/reply payloads', () => {
    expect(parseRequestPayload(OcppCommandRequestV1, sampleRequests.ocppCommandRequest)).toEqual({
      ok: true,
      value: sampleRequests.ocppCommandRequest,
    });
    expect(parseRequestPayload(OcppCommandReplyV1, sampleRequests.ocppCommandReplyOk).ok).toBe(true);
    expect(parseRequestPayload(OcppCommandReplyV1, sampleRequests.ocppCommandReplyError).ok).toBe(true);
  });

  it('reports issues in the same format', () => {
    expect(parseRequestPayload(OcpiTokenAuthorizeReplyV1, { allowed: 'MAYBE' })).toEqual({
      ok: false,
      reason: expect.stringMatching(/^allowed: Invalid option/),
    });
  });
});
