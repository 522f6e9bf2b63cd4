/**
 * Version-neutral OCPP-J framing (OCPP-J 1.6 §4, guide §1.3): parse one WebSocket text message
 * into a typed frame, or say precisely why not, so the caller can answer a CALLERROR with the
 * peer's id. Payload validation against schemas is version-specific and lives in v16/.
 */

export const MessageType = { Call: 2, CallResult: 3, CallError: 4 } as const;
export type MessageTypeId = (typeof MessageType)[keyof typeof MessageType];

/** A JSON object as it arrives on the wire (never null, never an array). */
export type JsonObject = { [key: string]: unknown };

/** OCPP-J message ids are strings of at most 36 characters (a UUID fits exactly): what we send. */
export const MAX_UNIQUE_ID_LENGTH = 36;
/**
 * What we accept, and echo in answers: longer than OCPP-J's 36, since chargers send e.g. a braced
 * GUID (38), and refusing one loses the message (a StartTransaction retried until discarded);
 * still bounded, as every id is remembered for a while (InboundIds).
 */
export const MAX_INBOUND_UNIQUE_ID_LENGTH = 128;

export interface CallFrame {
  type: typeof MessageType.Call;
  uniqueId: string;
  /** The id came as a JSON number (`uniqueId` is its string form): answers echo it as a number (see `wireId`). */
  numericId?: true;
  action: string;
  payload: JsonObject;
}

export interface CallResultFrame {
  type: typeof MessageType.CallResult;
  uniqueId: string;
  payload: JsonObject;
}

export interface CallErrorFrame {
  type: typeof MessageType.CallError;
  uniqueId: string;
  /** As received; normalise with the version's helper (e.g. normalizeCallErrorCode16). */
  code: string;
  description: string;
  details: JsonObject;
}

export type Frame = CallFrame | CallResultFrame | CallErrorFrame;

export type FrameErrorCode = 'FormationViolation' | 'ProtocolError';

export type ParsedFrame =
  | { kind: 'frame'; frame: Frame }
  | {
      kind: 'invalid';
      /** Present whenever the id could be read, so a CALLERROR can be answered. */
      uniqueId?: string;
      numericId?: true;
      /**
       * Present when the message type could be read. Only a broken CALL (or an unreadable type)
       * deserves a CALLERROR answer; a broken CALLRESULT/CALLERROR must never be answered.
       */
      messageType?: MessageTypeId;
      code: FrameErrorCode;
      description: string;
    }
  /** Unknown message type number: the spec says to ignore the message. */
  | { kind: 'ignore'; reason: string };

const ARITY: Record<MessageTypeId, number> = { 2: 4, 3: 3, 4: 5 };
/** A charger's CALLERROR without details (`[4,id,"NotSupported","x"]`) still carries its code. */
const MIN_ARITY: Record<MessageTypeId, number> = { 2: 4, 3: 3, 4: 4 };

/**
 * The id as the peer wrote it, for the answer: a charger that numbers its messages with JSON
 * numbers (OCPP-J says strings; many do it all the same) matches our answer by that number.
 */
export function wireId(uniqueId: string, numericId?: boolean): string | number {
  return numericId ? Number(uniqueId) : uniqueId;
}

export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isMessageTypeId(value: number): value is MessageTypeId {
  return value === MessageType.Call || value === MessageType.CallResult || value === MessageType.CallError;
}

/**
 * When the text is not valid JSON we can still often read the id from the prefix
 * `[<type>, "<id>"`; the spec wants a CALLERROR answer "if an id can be read". An id of any
 * length: one over 36 characters is answered, echoed, as it is in a frame that parses.
 */
const SALVAGE_PREFIX = /^\s*\[\s*(\d+)\s*,\s*"([^"\\]*)"/;

export function parseFrame(text: string): ParsedFrame {
  // A byte-order mark some firmware writes before the JSON: not part of the frame.
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    const salvaged = SALVAGE_PREFIX.exec(text);
    const type = salvaged ? Number(salvaged[1]) : undefined;
    return {
      kind: 'invalid',
      ...(salvaged ? { uniqueId: salvaged[2] } : {}),
      ...(type !== undefined && isMessageTypeId(type) ? { messageType: type } : {}),
      code: 'FormationViolation',
      description: `invalid JSON: ${(err as Error).message}`,
    };
  }
  if (!Array.isArray(data)) return invalid(undefined, undefined, 'FormationViolation', 'frame is not a JSON array');
  const [type, id] = data as unknown[];
  const numeric = typeof id === 'number' && Number.isSafeInteger(id) && id >= 0;
  const uniqueId = typeof id === 'string' ? id : numeric ? String(id) : undefined;
  if (typeof type !== 'number' || !Number.isInteger(type)) {
    return invalid(uniqueId, undefined, 'FormationViolation', 'message type is not an integer');
  }
  if (!isMessageTypeId(type)) return { kind: 'ignore', reason: `unknown message type ${type}` };
  if (uniqueId === undefined) return invalid(undefined, type, 'FormationViolation', 'message id is not a string');
  const result = parseTyped(data, type, uniqueId);
  if (!numeric) return result;
  if (result.kind === 'invalid') return { ...result, numericId: true };
  return result.kind === 'frame' && result.frame.type === MessageType.Call ? { kind: 'frame', frame: { ...result.frame, numericId: true } } : result;
}

function parseTyped(data: unknown[], type: MessageTypeId, uniqueId: string): ParsedFrame {
  if (uniqueId.length === 0 || uniqueId.length > MAX_INBOUND_UNIQUE_ID_LENGTH) {
    return invalid(uniqueId, type, 'FormationViolation', `message id must be 1..${MAX_INBOUND_UNIQUE_ID_LENGTH} characters`);
  }
  if (data.length < MIN_ARITY[type] || data.length > ARITY[type]) {
    // Guide §1.3: wrong arity (including a CALL without payload) is a FormationViolation.
    return invalid(uniqueId, type, 'FormationViolation', `message type ${type} needs ${ARITY[type]} elements, got ${data.length}`);
  }
  switch (type) {
    case MessageType.Call: {
      const [, , action, payload] = data as unknown[];
      if (typeof action !== 'string' || action.length === 0) {
        return invalid(uniqueId, type, 'FormationViolation', 'action is not a non-empty string');
      }
      // `null` instead of `{}` (a common firmware bug for empty payloads) is a payload that is
      // present but missing its content: OCPP-J's ProtocolError, "payload for Action is incomplete".
      if (payload === null) return invalid(uniqueId, type, 'ProtocolError', 'payload is null; an empty payload is {}');
      if (!isJsonObject(payload)) return invalid(uniqueId, type, 'FormationViolation', 'payload is not a JSON object');
      return { kind: 'frame', frame: { type, uniqueId, action, payload } };
    }
    case MessageType.CallResult: {
      const payload: unknown = data[2];
      if (!isJsonObject(payload)) return invalid(uniqueId, type, 'FormationViolation', 'payload is not a JSON object');
      return { kind: 'frame', frame: { type, uniqueId, payload } };
    }
    case MessageType.CallError: {
      const [, , code, description, details] = data as unknown[];
      if (typeof code !== 'string' || code.length === 0) {
        return invalid(uniqueId, type, 'FormationViolation', 'error code is not a non-empty string');
      }
      // Lenient past the code: a charger's NotSupported (how its capabilities are learnt) must not
      // turn into a FormationViolation for a missing, null or "" details or a null description.
      if (typeof description !== 'string' && description !== null && description !== undefined) {
        return invalid(uniqueId, type, 'FormationViolation', 'error description is not a string');
      }
      return { kind: 'frame', frame: { type, uniqueId, code, description: description ?? '', details: isJsonObject(details) ? details : {} } };
    }
  }
}

/**
 * A binary WebSocket message (its bytes read as UTF-8) is never a frame: OCPP-J frames are UTF-8
 * text messages. When its bytes read as one, though, its id and type are known, so a CALL can be
 * answered (FormationViolation, like a frame not in the OCPP-J shape) instead of being left to the
 * charger's timeout, and an answer naming our call in flight can end that call as malformed.
 */
export function parseBinaryMessage(text: string): ParsedFrame {
  const read = parseFrame(text);
  const { uniqueId, messageType } = read.kind === 'frame' ? { uniqueId: read.frame.uniqueId, messageType: read.frame.type } : read.kind === 'invalid' ? read : {};
  return {
    kind: 'invalid',
    ...(uniqueId !== undefined ? { uniqueId } : {}),
    ...(messageType !== undefined ? { messageType } : {}),
    code: 'FormationViolation',
    description: 'binary frames are not OCPP-J: send frames as text messages',
  };
}

function invalid(
  uniqueId: string | undefined,
  messageType: MessageTypeId | undefined,
  code: FrameErrorCode,
  description: string,
): ParsedFrame {
  return {
    kind: 'invalid',
    ...(uniqueId !== undefined ? { uniqueId } : {}),
    ...(messageType !== undefined ? { messageType } : {}),
    code,
    description,
  };
}

// Serialisers refuse what the peer would reject: sending a bad frame is our bug, not theirs. An
// answer echoes the peer's id, which may be longer than ours (MAX_INBOUND_UNIQUE_ID_LENGTH) or a number.
function assertUniqueId(uniqueId: string | number, max = MAX_UNIQUE_ID_LENGTH): void {
  const length = String(uniqueId).length;
  if (length === 0 || length > max) {
    throw new RangeError(`OCPP-J message id must be 1..${max} characters, got ${length}`);
  }
}

function assertObject(value: unknown, what: string): void {
  if (!isJsonObject(value)) throw new TypeError(`OCPP-J ${what} must be a JSON object`);
}

export function serializeCall(uniqueId: string, action: string, payload: object): string {
  assertUniqueId(uniqueId);
  if (action.length === 0) throw new RangeError('OCPP-J action must not be empty');
  assertObject(payload, 'payload');
  return JSON.stringify([MessageType.Call, uniqueId, action, payload]);
}

export function serializeCallResult(uniqueId: string | number, payload: object): string {
  assertUniqueId(uniqueId, MAX_INBOUND_UNIQUE_ID_LENGTH);
  assertObject(payload, 'payload');
  return JSON.stringify([MessageType.CallResult, uniqueId, payload]);
}

export function serializeCallError(uniqueId: string | number, code: string, description = '', details: object = {}): string {
  // No id check here: we must be able to answer a frame whose id was too long, echoing it.
  assertObject(details, 'error details');
  return JSON.stringify([MessageType.CallError, uniqueId, code, description, details]);
}
