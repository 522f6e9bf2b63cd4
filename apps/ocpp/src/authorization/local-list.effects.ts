import { Injectable, type OnModuleInit } from '@nestjs/common';
import { ValidationError } from '@cpo/platform';
import type { Ocpp16 } from '@cpo/ocpp-protocol';
import { LocalListRepository } from './local-list.repository.js';
import { CommandExecutor, mayHaveReachedCharger } from '../commands/command-executor.js';

/**
 * The size of the list after an accepted SendLocalList: a Full update holds its tags (entries
 * without `idTagInfo` add nothing; `a1` and `A1` are one: IdToken is a CiString); a Differential changes the list by an amount only the charger
 * knows (we keep no per-station entries), so `null` = unknown, except that an empty one changes nothing.
 */
export function listSizeAfter(req: Ocpp16.SendLocalListRequest): number | null | undefined {
  const list = req.localAuthorizationList ?? [];
  if (req.updateType === 'Full') return new Set(list.filter((e) => e.idTagInfo !== undefined).map((e) => e.idTag.toLowerCase())).size;
  return list.length === 0 ? undefined : null;
}

/**
 * Why a schema-valid SendLocalList must not be sent (per field), if it must not. OCPP 1.6 §5.15:
 * the idTags of a list MUST be unique (IdToken is a CiString: `a1` and `A1` are one). §5.10: the
 * charger reports `0` for an empty list and `-1` for no list support, so a negative version is
 * never one to give a list, and `0` only to a Full update that empties it: otherwise its later
 * GetLocalListVersion would read as "empty" or "not supported" while it holds tags.
 */
export function localListProblems(req: Ocpp16.SendLocalListRequest): Record<string, string> | undefined {
  const problems: Record<string, string> = {};
  const emptied = req.updateType === 'Full' && listSizeAfter(req) === 0;
  if (req.listVersion < 0 || (req.listVersion === 0 && !emptied)) {
    problems['listVersion'] = 'must be 1 or more (0 only for a Full update that empties the list: 0 is the empty list, -1 no list support)';
  }
  const seen = new Map<string, number>();
  (req.localAuthorizationList ?? []).forEach((entry, i) => {
    const first = seen.get(entry.idTag.toLowerCase());
    if (first === undefined) seen.set(entry.idTag.toLowerCase(), i);
    else problems[`localAuthorizationList/${i}/idTag`] = `duplicates entry ${first} (idTags must be unique, compared without case)`;
  });
  return Object.keys(problems).length > 0 ? problems : undefined;
}

/**
 * Remembers the local authorisation list version each charger holds (guide §2.4): moved only by an
 * accepted SendLocalList or the charger's own GetLocalListVersion answer (`-1` = not supported). A
 * refused update changes only the stored status, which after Failed or VersionMismatch tells the
 * operator to send a full list. An update left unanswered may have been applied: the version is
 * then unknown (`TimedOut`), never the old one shown as if the charger still held it.
 */
@Injectable()
export class LocalListEffects implements OnModuleInit {
  constructor(
    private readonly executor: CommandExecutor,
    private readonly lists: LocalListRepository,
  ) {}

  onModuleInit(): void {
    this.executor.beforeSending('SendLocalList', async (_ctx, payload) => {
      const problems = localListProblems(payload as unknown as Ocpp16.SendLocalListRequest);
      if (problems) throw new ValidationError(`SendLocalList refused: ${Object.entries(problems).map(([field, why]) => `${field} ${why}`).join('; ')}`, problems);
    });
    this.executor.afterAnswer('SendLocalList', async (ctx, payload, answer) => {
      const req = payload as unknown as Ocpp16.SendLocalListRequest;
      const status = (answer as unknown as Ocpp16.SendLocalListResponse).status;
      if (status === 'Accepted') await this.lists.applied(ctx.stationId, req.listVersion, req.updateType, listSizeAfter(req));
      else await this.lists.refused(ctx.stationId, req.updateType, status);
    });
    this.executor.afterFailure('SendLocalList', async (ctx, payload, failure) => {
      if (mayHaveReachedCharger(failure)) await this.lists.unconfirmed(ctx.stationId, (payload as unknown as Ocpp16.SendLocalListRequest).updateType);
    });
    this.executor.afterAnswer('GetLocalListVersion', async (ctx, _payload, answer) => {
      await this.lists.reported(ctx.stationId, (answer as unknown as Ocpp16.GetLocalListVersionResponse).listVersion);
    });
  }
}
