import { OcppCommandErrorCode, type OcppCommandReply } from '@cpo/contracts';
import { loadSchema16, type CsAction16, type Schema16Name } from '@cpo/ocpp-protocol';
import { LocalCommandErrorCode } from './command-executor.js';

/**
 * HTTP status of a command reply. The body is always the reply itself, so a client reads the
 * charger's answer or the typed failure from one shape.
 */
export function httpStatusOfReply(reply: OcppCommandReply): number {
  if (reply.status === 'ok') return 200;
  switch (reply.code) {
    case OcppCommandErrorCode.InvalidRequest:
      return 400;
    case OcppCommandErrorCode.Offline:
    case OcppCommandErrorCode.ReplicaTimeout:
      return 503;
    case OcppCommandErrorCode.Timeout:
    case LocalCommandErrorCode.QueueTimeout:
      return 504;
    case LocalCommandErrorCode.QueueFull:
      return 429;
    case LocalCommandErrorCode.CentralSystemError:
      return 500;
    case LocalCommandErrorCode.NotAccepted:
    case LocalCommandErrorCode.Superseded:
    case LocalCommandErrorCode.Conflict:
      return 409;
    default:
      // The charger answered with a CallError.
      return 502;
  }
}

/**
 * Whether a failed reply reports the charger (its CallError, its silence, it being offline) rather
 * than this service: such 5xx are logged at warn and left out of the 5xx alert. A replica that did
 * not answer over the bus is our own failure, although it shares 503 with `Offline`.
 */
export function reportsCharger(reply: OcppCommandReply): boolean {
  if (reply.status === 'ok' || reply.code === OcppCommandErrorCode.ReplicaTimeout) return false;
  const status = httpStatusOfReply(reply);
  return status === 502 || status === 503 || status === 504;
}

/**
 * The OCA request schema of an action, cleaned for OpenAPI: no draft markers, and self-contained.
 * The security-extension schemas refer to their own `#/definitions/…`; embedded in the OpenAPI
 * document, such a pointer resolves against the document's root, where nothing is (a validating
 * client failed on it), so each is replaced by the definition it names.
 */
export function openApiSchemaOf(action: CsAction16): Record<string, unknown> {
  const schema = loadSchema16(action as Schema16Name) as Record<string, unknown>;
  const definitions = (schema['definitions'] ?? {}) as Record<string, unknown>;
  for (const key of ['$schema', 'id', '$id', 'definitions']) delete schema[key];
  return inlineDefinitions(schema, definitions, []) as Record<string, unknown>;
}

function inlineDefinitions(node: unknown, definitions: Record<string, unknown>, seen: string[]): unknown {
  if (Array.isArray(node)) return node.map((n) => inlineDefinitions(n, definitions, seen));
  if (!node || typeof node !== 'object') return node;
  const ref = (node as Record<string, unknown>)['$ref'];
  if (typeof ref === 'string' && ref.startsWith('#/definitions/')) {
    const name = ref.slice('#/definitions/'.length);
    // None of the OCA definitions refers to itself; one that did would be left as a reference.
    if (name in definitions && !seen.includes(name)) return inlineDefinitions(definitions[name], definitions, [...seen, name]);
  }
  return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, inlineDefinitions(v, definitions, seen)]));
}
