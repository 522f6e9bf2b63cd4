import {
  OCPP_COMMAND_SUBJECT_PREFIX,
  OCPP_COMMAND_WILDCARD,
  Subjects,
  deadLetterSubject,
  decodeStationToken,
  encodeStationToken,
  ocppCommandSubject,
  ocppDataTransferSubject,
  OCPP_DATA_TRANSFER_WILDCARD,
  stationIdFromCommandSubject,
} from './subjects.js';
import { subjectMatches } from './subject-match.js';

const AWKWARD_IDS = ['CP.01', 'A*B>C', 'häus 1', '50%', 'a\tb\nc', '充電樁-01', 'emoji-🔌', '%2E', 'x/y:z', ' lead'];

describe('station tokens', () => {
  it.each(AWKWARD_IDS)('encodes %j into one safe printable-ASCII token and back', (id) => {
    const token = encodeStationToken(id);
    expect(token).toMatch(/^[\x21-\x7e]+$/);
    expect(token).not.toMatch(/[.*>\s]/);
    expect(decodeStationToken(token)).toBe(id);
  });

  it('leaves ordinary station ids readable', () => {
    expect(encodeStationToken('TW-TPE-0001')).toBe('TW-TPE-0001');
    expect(encodeStationToken('cp_42~b')).toBe('cp_42~b');
  });

  it('percent-encodes with upper-case hex', () => {
    expect(encodeStationToken('CP.01')).toBe('CP%2E01');
    expect(encodeStationToken('50%')).toBe('50%25');
    expect(encodeStationToken('häus 1')).toBe('h%C3%A4us%201');
  });

  it('keeps distinct ids distinct', () => {
    const tokens = new Set(AWKWARD_IDS.map(encodeStationToken));
    expect(tokens.size).toBe(AWKWARD_IDS.length);
  });

  it('rejects ids that cannot round-trip', () => {
    expect(() => encodeStationToken('')).toThrow(RangeError);
    expect(() => encodeStationToken('bad\uD800id')).toThrow(RangeError);
  });

  it('rejects malformed tokens', () => {
    for (const token of ['', 'CP.01', 'a b', '%', '%G1', '%C3', 'A*B']) {
      expect(() => decodeStationToken(token)).toThrow(RangeError);
    }
  });
});

describe('command subjects', () => {
  it.each(AWKWARD_IDS)('addresses %j with exactly one token after the prefix', (id) => {
    const subject = ocppCommandSubject(id);
    expect(subject.startsWith(`${OCPP_COMMAND_SUBJECT_PREFIX}.`)).toBe(true);
    expect(subject.split('.')).toHaveLength(3);
    expect(subjectMatches(OCPP_COMMAND_WILDCARD, subject)).toBe(true);
    expect(stationIdFromCommandSubject(subject)).toBe(id);
  });

  it('does not read station ids from other subjects', () => {
    expect(stationIdFromCommandSubject(Subjects.OcppStationBooted)).toBeUndefined();
    expect(stationIdFromCommandSubject('ocpp.command.a.b')).toBeUndefined();
  });
});

describe('dead-letter subjects', () => {
  it('prefixes the durable name', () => {
    expect(deadLetterSubject('planner-capacity-forecast')).toBe('dlq.planner-capacity-forecast');
  });

  it.each(['', 'a.b', 'a*', 'a>', 'a b'])('rejects the durable name %j', (durable) => {
    expect(() => deadLetterSubject(durable)).toThrow(RangeError);
  });
});

describe('vendor DataTransfer subjects', () => {
  it('is one token per vendor, compared without case (CiString)', () => {
    expect(ocppDataTransferSubject('com.Alfen')).toBe('ocpp.data-transfer.com%2Ealfen');
    expect(ocppDataTransferSubject('COM.ALFEN')).toBe(ocppDataTransferSubject('com.alfen'));
    expect(ocppDataTransferSubject('ABB')).toBe('ocpp.data-transfer.abb');
  });

  it.each(['com.example', 'A*B>C', 'Vendor Name', 'x.y.z'])('keeps %j inside the wildcard, as exactly one token', (vendorId) => {
    const subject = ocppDataTransferSubject(vendorId);
    expect(subject.split('.')).toHaveLength(3);
    expect(subjectMatches(OCPP_DATA_TRANSFER_WILDCARD, subject)).toBe(true);
  });

  it('refuses an empty vendor id', () => {
    expect(() => ocppDataTransferSubject('')).toThrow(RangeError);
  });
});
