import { ocppCommandSubject, OcppCommandReplyV1, OcppCommandRequestV1, parseRequestPayload, type OcppCommandReply, type OcppCommandRequest } from '@cpo/contracts';
import { TimeoutError, UnavailableError, ValidationError } from '@cpo/platform';
import { BusRequester, BusResponder, isNoResponders, ReplyNotSentError } from '../src/rpc/request-reply.js';
import { BusFixture } from './fixture.js';

describe('core request/reply (real NATS)', () => {
  const bus = new BusFixture();
  let requester: BusRequester;
  let responder: BusResponder;
  const parseReply = (p: unknown) => parseRequestPayload(OcppCommandReplyV1, p);
  const parseRequest = (p: unknown) => parseRequestPayload(OcppCommandRequestV1, p);

  beforeAll(async () => {
    await bus.setUp();
    requester = new BusRequester(bus.nc, bus.names, bus.metrics, 'test');
    responder = new BusResponder(bus.nc, bus.names, bus.logger);
  });
  afterAll(async () => {
    await responder.drain();
    await bus.tearDown();
  });

  const toErrorReply = (e: unknown): OcppCommandReply => ({
    status: 'error',
    code: e instanceof ValidationError ? 'FormationViolation' : 'InternalError',
    description: (e as Error).message,
  });

  it('routes a command to the one responder for that station and returns its typed reply', async () => {
    responder.serve<OcppCommandRequest, OcppCommandReply>({
      subject: ocppCommandSubject('TW.TPE*0001'),
      parseRequest,
      toErrorReply,
      handle: async (req) => ({ status: 'ok', payload: { echoed: req.action } }),
    });
    const reply = await requester.request(ocppCommandSubject('TW.TPE*0001'), { action: 'Reset', payload: { type: 'Soft' } }, { timeoutMs: 2000, parseReply });
    expect(reply).toEqual({ status: 'ok', payload: { echoed: 'Reset' } });
  });

  it('answers a malformed request with the contract error reply, not silence', async () => {
    responder.serve<OcppCommandRequest, OcppCommandReply>({ subject: ocppCommandSubject('CP-BAD'), parseRequest, toErrorReply, handle: async () => ({ status: 'ok', payload: {} }) });
    const reply = await requester.request(ocppCommandSubject('CP-BAD'), { nope: true }, { timeoutMs: 2000, parseReply });
    expect(reply).toMatchObject({ status: 'error', code: 'FormationViolation' });
  });

  it('reports a station nobody holds as unavailable, marked as "no responders"', async () => {
    const failure = await requester.request(ocppCommandSubject('CP-OFFLINE'), { action: 'Reset', payload: {} }, { timeoutMs: 2000, parseReply }).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(UnavailableError);
    expect(isNoResponders(failure)).toBe(true);
  });

  it('times out when the responder does not answer in time', async () => {
    let slow: NodeJS.Timeout | undefined;
    responder.serve<OcppCommandRequest, OcppCommandReply>({
      subject: ocppCommandSubject('CP-SLOW'),
      parseRequest,
      toErrorReply,
      handle: () => new Promise((r) => (slow = setTimeout(() => r({ status: 'ok', payload: {} }), 500))),
    });
    // The late answer is of no interest once the requester gave up; left running, its timer outlived the suite (jest's "did not exit").
    const failure = await requester
      .request(ocppCommandSubject('CP-SLOW'), { action: 'Reset', payload: {} }, { timeoutMs: 200, parseReply })
      .catch((e: unknown) => e)
      .finally(() => clearTimeout(slow));
    expect(failure).toBeInstanceOf(TimeoutError);
    expect(isNoResponders(failure)).toBe(false);
    expect(isNoResponders(new UnavailableError('connection closed'))).toBe(false);
  });

  it("answers a reply the bus refuses (over the server's max_payload) with the error reply at once, not silence and a throw outside any caller", async () => {
    const errors: unknown[] = [];
    responder.serve<OcppCommandRequest, OcppCommandReply>({
      subject: ocppCommandSubject('CP-HUGE'),
      parseRequest,
      toErrorReply: (e) => (errors.push(e), toErrorReply(e)),
      handle: async () => ({ status: 'ok', payload: { data: 'x'.repeat(bus.nc.info!.max_payload + 1) } }),
    });
    const started = Date.now();
    const reply = await requester.request(ocppCommandSubject('CP-HUGE'), { action: 'DataTransfer', payload: { vendorId: 'V' } }, { timeoutMs: 3000, parseReply });
    expect(reply).toMatchObject({ status: 'error', code: 'InternalError', description: expect.stringContaining('max_payload') });
    expect(Date.now() - started).toBeLessThan(2000);
    expect(errors).toEqual([expect.any(ReplyNotSentError)]);
  });
});
