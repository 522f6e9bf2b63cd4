import { jest } from '@jest/globals';
import { ConflictError } from '@cpo/platform';
import type { OcppCommandReply, OcppCommandRequest } from '@cpo/contracts';
import type { JsonObject } from '@cpo/ocpp-protocol';
import type { Logger } from 'pino';
import type { CommandExecutor } from '../commands/command-executor.js';
import type { StationContext } from '../connection/station-context.js';
import { ReservationResend } from './reservation-resend.js';
import type { HeldTerms, ReservationResendRepository } from './reservation-resend.repository.js';

const logger = { error: jest.fn(), warn: jest.fn(), info: jest.fn() } as unknown as Logger;
const ctx = { stationId: 'CP-1' } as StationContext;
const held: HeldTerms = { reservationId: 7, connectorId: 2, idTag: 'TAG-1', expiryDate: new Date('2030-01-01T10:00:00.000Z') };

/** A ReservationResend whose executor answers `run` (given the resend, to play the before-hook). */
function resend(run: (r: ReservationResend, payload: JsonObject) => Promise<OcppCommandReply>, taken = true) {
  const repo = { heldBefore: jest.fn(async () => [held]), take: jest.fn(async (..._args: unknown[]) => taken) };
  const sent: JsonObject[] = [];
  const executor = {
    execute: jest.fn(async (_ctx: StationContext, request: OcppCommandRequest) => (sent.push(request.payload as JsonObject), run(r, request.payload as JsonObject))),
  };
  const r = new ReservationResend(executor as unknown as CommandExecutor, repo as unknown as ReservationResendRepository, logger);
  return { r, repo, sent };
}

describe('ReservationResend', () => {
  it('sends the held terms, recorded Requested by the before-hook; the answer settles it there', async () => {
    const { r, repo, sent } = resend(async (res, payload) => {
      expect(await res.recordIfResent('CP-1', payload)).toBe(true);
      return { status: 'ok', payload: { status: 'Accepted' } };
    });
    await r.toNewUnit(ctx, new Date());
    expect(sent).toEqual([{ connectorId: 2, expiryDate: '2030-01-01T10:00:00.000Z', idTag: 'TAG-1', reservationId: 7 }]);
    expect(repo.take.mock.calls).toEqual([['CP-1', held, 'Requested']]);
  });

  it('ends Failed a reservation refused before the before-hook ran (nothing recorded it)', async () => {
    const { r, repo } = resend(async () => ({ status: 'error', code: 'InvalidRequest', description: 'refused' }));
    await r.toNewUnit(ctx, new Date());
    expect(repo.take.mock.calls).toEqual([['CP-1', held, 'Failed']]);
  });

  it('refuses to send one no longer held as read (cancelled, used, replaced meanwhile)', async () => {
    let refusal: unknown;
    const { r, repo } = resend(async (res, payload) => {
      refusal = await res.recordIfResent('CP-1', payload).catch((e: unknown) => e);
      return { status: 'error', code: 'Conflict', description: 'ended' };
    }, false);
    await r.toNewUnit(ctx, new Date());
    expect(refusal).toBeInstanceOf(ConflictError);
    expect(repo.take.mock.calls).toEqual([['CP-1', held, 'Requested']]);
  });

  it('leaves any other ReserveNow to the usual recording', async () => {
    const { r } = resend(async () => ({ status: 'ok', payload: {} }));
    expect(await r.recordIfResent('CP-1', { connectorId: 2, expiryDate: '2030-01-01T10:00:00.000Z', idTag: 'TAG-1', reservationId: 7 })).toBe(false);
  });
});
