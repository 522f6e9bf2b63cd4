import {
  MAX_OCPP_COMMAND_TIMEOUT_MS,
  OcpiTokenAuthorizeReplyV1,
  OcpiTokenAuthorizeRequestV1,
  OcppCommandReplyV1,
  OcppCommandRequestV1,
  OcppDataTransferReplyV1,
  OcppDataTransferRequestV1,
} from './requests.js';
import { sampleRequests } from './testing/samples.js';
import { parseRequestPayload } from './validate.js';

describe('OcppCommandRequest', () => {
  it('accepts a CSMS-initiated action', () => {
    for (const action of ['SetChargingProfile', 'ClearChargingProfile', 'GetCompositeSchedule', 'InstallCertificate']) {
      expect(OcppCommandRequestV1.safeParse({ action, payload: {} }).success).toBe(true);
    }
  });

  it('rejects charger-initiated actions, a non-object payload and unbounded timeouts', () => {
    expect(parseRequestPayload(OcppCommandRequestV1, { action: 'BootNotification', payload: {} }).ok).toBe(false);
    expect(parseRequestPayload(OcppCommandRequestV1, { action: 'Reset', payload: 'Hard' })).toEqual({
      ok: false,
      reason: expect.stringMatching(/^payload: Invalid input: expected record/),
    });
    expect(
      parseRequestPayload(OcppCommandRequestV1, { action: 'Reset', payload: { type: 'Soft' }, timeoutMs: MAX_OCPP_COMMAND_TIMEOUT_MS + 1 }).ok,
    ).toBe(false);
    expect(parseRequestPayload(OcppCommandRequestV1, { action: 'Reset', payload: { type: 'Soft' }, timeoutMs: 0 }).ok).toBe(false);
  });
});

describe('OcppCommandReply', () => {
  it('discriminates on status', () => {
    const reply = OcppCommandReplyV1.parse(sampleRequests.ocppCommandReplyError);
    expect(reply.status === 'error' ? reply.code : undefined).toBe('Timeout');
  });

  it('an error may say the charger may have acted (optional within version 1: older replicas leave it out)', () => {
    expect(OcppCommandReplyV1.parse(sampleRequests.ocppCommandReplyError)).not.toHaveProperty('mayHaveActed');
    const unknown = { status: 'error', code: 'Offline', description: 'the station disconnected before answering', mayHaveActed: true };
    expect(OcppCommandReplyV1.parse(unknown)).toEqual(unknown);
    // Only `true` says something: a false would read as "did not act", which no code may claim beside its own meaning.
    expect(OcppCommandReplyV1.safeParse({ ...unknown, mayHaveActed: false }).success).toBe(false);
    expect(OcppCommandReplyV1.safeParse({ status: 'ok', payload: {}, mayHaveActed: true }).success).toBe(false);
  });

  it('rejects fields of the other variant and unknown statuses', () => {
    expect(OcppCommandReplyV1.safeParse({ status: 'ok', payload: {}, code: 'X' }).success).toBe(false);
    expect(OcppCommandReplyV1.safeParse({ status: 'error', description: 'no code' }).success).toBe(false);
    expect(OcppCommandReplyV1.safeParse({ status: 'pending' }).success).toBe(false);
  });
});

describe('OCPI token authorisation', () => {
  it('accepts the samples', () => {
    expect(OcpiTokenAuthorizeRequestV1.safeParse(sampleRequests.ocpiTokenAuthorizeRequest).success).toBe(true);
    expect(OcpiTokenAuthorizeReplyV1.safeParse(sampleRequests.ocpiTokenAuthorizeReply).success).toBe(true);
    expect(OcpiTokenAuthorizeReplyV1.safeParse({ allowed: 'UNKNOWN' }).success).toBe(true);
  });

  it('rejects unknown token types and empty uids', () => {
    expect(
      OcpiTokenAuthorizeRequestV1.safeParse({ ...sampleRequests.ocpiTokenAuthorizeRequest, tokenType: 'CREDIT_CARD' }).success,
    ).toBe(false);
    expect(OcpiTokenAuthorizeRequestV1.safeParse({ ...sampleRequests.ocpiTokenAuthorizeRequest, uid: '' }).success).toBe(false);
  });
});

describe('vendor DataTransfer', () => {
  it('accepts the samples and a request with only a vendor id', () => {
    expect(OcppDataTransferRequestV1.safeParse(sampleRequests.ocppDataTransferRequest).success).toBe(true);
    expect(OcppDataTransferReplyV1.safeParse(sampleRequests.ocppDataTransferReply).success).toBe(true);
    const { stationId, vendorId, receivedAt } = sampleRequests.ocppDataTransferRequest;
    expect(OcppDataTransferRequestV1.safeParse({ stationId, vendorId, receivedAt }).success).toBe(true);
  });

  it('holds OCPP 1.6 limits and statuses', () => {
    const req = sampleRequests.ocppDataTransferRequest;
    expect(OcppDataTransferRequestV1.safeParse({ ...req, vendorId: 'v'.repeat(256) }).success).toBe(false);
    expect(OcppDataTransferRequestV1.safeParse({ ...req, messageId: 'm'.repeat(51) }).success).toBe(false);
    expect(OcppDataTransferRequestV1.safeParse({ ...req, vendorId: '' }).success).toBe(false);
    expect(OcppDataTransferReplyV1.safeParse({ status: 'Unknown' }).success).toBe(false);
    expect(OcppDataTransferReplyV1.safeParse({ status: 'Accepted', data: { not: 'a string' } }).success).toBe(false);
    expect(OcppDataTransferReplyV1.safeParse({ status: 'Rejected', extra: 1 }).success).toBe(false);
  });
});
