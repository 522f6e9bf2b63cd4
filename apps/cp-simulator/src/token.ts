import { createHash } from 'node:crypto';

/** OCPP 1.6 idTag is a CiString20. */
const ID_TAG_MAX = 20;

/**
 * The token a simulated station starts its sessions on `connectorId` with: `TAG-<identity>` on
 * connector 1 and `TAG-<identity>-<connector>` on the others (one token runs one session at a time:
 * the central system answers a second one ConcurrentTx), or, when that would be longer than an idTag
 * may be, `TAG-` and the first 16 hex digits of its SHA-256 (of the identity, or of
 * `<identity>-<connector>`; stable across runs, so the tokens can be created once). A longer token
 * is refused by the station's own schema check before it is sent.
 */
export function sessionToken(identity: string, connectorId = 1): string {
  const name = connectorId > 1 ? `${identity}-${connectorId}` : identity;
  const plain = `TAG-${name}`;
  if (plain.length <= ID_TAG_MAX) return plain;
  return `TAG-${createHash('sha256').update(name).digest('hex').slice(0, ID_TAG_MAX - 4)}`;
}

/**
 * One line for a run in which the central system refused every session: without it the report
 * reads `"sessionsStarted": 0, "errors": 0`. The dev default for unknown tokens is Invalid.
 */
export function refusalHint(report: { sessionsStarted: number; authorizationsRefused: number }, tokens: string[]): string | undefined {
  if (report.sessionsStarted > 0 || report.authorizationsRefused === 0) return undefined;
  const shown = tokens.length > 3 ? `${tokens.slice(0, 3).join(', ')}, … (${tokens.length} in all)` : tokens.join(', ');
  return (
    `every session start was refused (${report.authorizationsRefused} authorizations): create the tokens ${shown} first ` +
    `(PUT /api/v1/id-tags/{idTag} on the ocpp service, see docs/cp-simulator.md), or start the ocpp service with OCPP_UNKNOWN_TOKEN_DEFAULT=Accepted`
  );
}
