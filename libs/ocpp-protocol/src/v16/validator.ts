/**
 * Schema validation of OCPP 1.6 payloads against the OCA schemas (guide §1.10, §1.11), with
 * Ajv errors translated into 1.6 CALLERROR codes. Whether a failure is answered with a CALLERROR
 * or only recorded (lenient policy per station model) is the caller's decision.
 */
import { Ajv, type AnySchemaObject, type ErrorObject, type Options, type ValidateFunction } from 'ajv';
import AjvDraft04Module from 'ajv-draft-04';
import addFormatsModule from 'ajv-formats';
import { parseDateTimeMs } from '../date-time.js';
import { isAction16, type Action16 } from './actions.js';
import type { CallErrorCode16 } from './errors.js';
import { schemas16, type Schema16Name } from './schemas.generated.js';

// ajv-draft-04 and ajv-formats are CommonJS; under `nodenext` their default import is the
// module object, whose `.default` is the class / plugin (same at runtime).
const AjvDraft04 = AjvDraft04Module.default;
const addFormats = addFormatsModule.default;

export interface ValidationError16 {
  /** JSON pointer into the payload, '' for the payload itself. */
  path: string;
  keyword: string;
  message: string;
  params: Record<string, unknown>;
}

export type ValidationResult16 =
  | { ok: true }
  | { ok: false; code: CallErrorCode16; description: string; details: { errors: ValidationError16[] } };

export interface Validator16 {
  validateRequest16(action: string, payload: unknown): ValidationResult16;
  validateResponse16(action: string, payload: unknown): ValidationResult16;
}

/**
 * Ajv keyword → 1.6 error code. Modelled on ocpp-rpc (lib/validator.js), the most widely deployed
 * JS stack, so peers see the codes they expect (guide §1.5):
 * - `type` → TypeConstraintViolation: wrong JSON type (`"12"` for an integer).
 * - cardinality (`required`, `minItems`, `maxItems`, …) → OccurenceConstraintViolation. ocpp-rpc
 *   also files `multipleOf` and the exclusive bounds here; we keep that for interoperability.
 * - `additionalProperties`, `pattern`, `propertyNames` → PropertyConstraintViolation (a property
 *   that must not be there / does not match), as in the guide's table.
 * - value-shape keywords (`enum`, `const`, `format`, `maxLength`, `minLength`, `minimum`,
 *   `maximum`) → FormationViolation ("not conform the PDU structure"; the guide lists a wrong
 *   enum value there, ocpp-rpc does the same for lengths and bounds).
 * Anything else (e.g. `$ref` failures, `anyOf`) → FormationViolation, ocpp-rpc's default too.
 */
const KEYWORD_CODES: Readonly<Record<string, CallErrorCode16>> = {
  type: 'TypeConstraintViolation',
  required: 'OccurenceConstraintViolation',
  minItems: 'OccurenceConstraintViolation',
  maxItems: 'OccurenceConstraintViolation',
  minProperties: 'OccurenceConstraintViolation',
  maxProperties: 'OccurenceConstraintViolation',
  additionalItems: 'OccurenceConstraintViolation',
  multipleOf: 'OccurenceConstraintViolation',
  exclusiveMinimum: 'OccurenceConstraintViolation',
  exclusiveMaximum: 'OccurenceConstraintViolation',
  additionalProperties: 'PropertyConstraintViolation',
  pattern: 'PropertyConstraintViolation',
  propertyNames: 'PropertyConstraintViolation',
  enum: 'FormationViolation',
  const: 'FormationViolation',
  format: 'FormationViolation',
  maxLength: 'FormationViolation',
  minLength: 'FormationViolation',
  minimum: 'FormationViolation',
  maximum: 'FormationViolation',
};

export function callErrorCodeForKeyword16(keyword: string): CallErrorCode16 {
  return KEYWORD_CODES[keyword] ?? 'FormationViolation';
}

/**
 * Shared Ajv options. `strictSchema`/`strictTypes` off because the OCA files put
 * `additionalProperties` on string enums; `multipleOfPrecision: 6` because Ajv's default `multipleOf` test fails in binary
 * floating point for 134 of the 401 values 0.0–40.0 (8.1, 16.2, 31.9…, guide §1.11).
 * `allErrors` stays off: the payload is the peer's, and with it a 4 MB MeterValues of bad
 * sampledValues made Ajv build 300,000 errors (0.4 s on the shared event loop) that then went back
 * in the CALLERROR (~100 MB). The first error decides the code either way.
 */
export const AJV_OPTIONS_16: Readonly<Options> = {
  strictSchema: false,
  // Same quirk seen by the type checker: `additionalProperties` next to `type: "string"` would
  // otherwise log a strictTypes warning per enum at compile time.
  strictTypes: false,
  allErrors: false,
  multipleOfPrecision: 6,
};

/** Errors copied into a result's details, whatever the options: the CALLERROR echoes them. */
export const MAX_REPORTED_ERRORS_16 = 10;

/**
 * The `date-time` format is exactly what parseDateTimeMs reads, so whatever passes validation can
 * be stored: ajv-formats admits leap seconds and `+hh` offsets that Date.parse cannot read, admits a
 * tab or newline as separator, and splits the string on every whitespace/`t` (slow on megabytes).
 */
const DATE_TIME_FORMAT = { type: 'string', validate: (text: string) => parseDateTimeMs(text) !== undefined } as const;

/**
 * Errata 2025-04 §2.1: the 2019-12 StopTransaction schema lists only the misspelt unit `Celcius`
 * (MeterValues has both); the errata adds `Celsius`. The generated schemas stay verbatim, so the
 * validator patches its own deep copy: every enum that has `Celcius` but not `Celsius` gains it.
 */
export function patchCelsius16(node: unknown): void {
  if (Array.isArray(node)) {
    node.forEach(patchCelsius16);
    return;
  }
  if (typeof node !== 'object' || node === null) return;
  const obj = node as Record<string, unknown>;
  const values = obj['enum'];
  if (Array.isArray(values) && values.includes('Celcius') && !values.includes('Celsius')) values.push('Celsius');
  Object.values(obj).forEach(patchCelsius16);
}

/** A mutable deep copy of an OCA schema with the documented errata patches applied. */
export function loadSchema16(name: Schema16Name): AnySchemaObject {
  const copy = structuredClone(schemas16[name]) as unknown as AnySchemaObject;
  patchCelsius16(copy);
  return copy;
}

const DRAFT_04 = 'http://json-schema.org/draft-04/schema#';

export function createValidator16(options: Readonly<Options> = AJV_OPTIONS_16): Validator16 {
  // Two Ajv flavours: the 2019-12 core files are draft-04 (`id`, boolean exclusive bounds) and
  // need ajv-draft-04; the 2020-03 security files are draft-06 (`$id`), which Ajv's default
  // (draft-07) engine evaluates identically for the keywords they use. Ajv ships no draft-06
  // meta-schema by default, so meta-validation is off for that instance only.
  let draft04: InstanceType<typeof AjvDraft04> | undefined;
  let draft06: Ajv | undefined;
  const compiled = new Map<Schema16Name, ValidateFunction>();

  function compile(name: Schema16Name): ValidateFunction {
    let fn = compiled.get(name);
    if (fn) return fn;
    const schema = loadSchema16(name);
    if (schema['$schema'] === DRAFT_04) {
      draft04 ??= addFormats(new AjvDraft04({ ...options })).addFormat('date-time', DATE_TIME_FORMAT);
      fn = draft04.compile(schema);
    } else {
      draft06 ??= addFormats(new Ajv({ ...options, validateSchema: false })).addFormat('date-time', DATE_TIME_FORMAT);
      fn = draft06.compile(schema);
    }
    compiled.set(name, fn);
    return fn;
  }

  function validate(action: string, payload: unknown, suffix: '' | 'Response'): ValidationResult16 {
    if (!isAction16(action)) {
      return { ok: false, code: 'NotImplemented', description: `unknown OCPP 1.6 action "${action}"`, details: { errors: [] } };
    }
    const fn = compile(`${action}${suffix}` satisfies `${Action16}${typeof suffix}`);
    if (fn(payload)) return { ok: true };
    const all = fn.errors ?? [];
    const errors = all.slice(0, MAX_REPORTED_ERRORS_16).map(toValidationError);
    const first = errors[0];
    const more = all.length > 1 ? ` (+${all.length - 1} more)` : '';
    return {
      ok: false,
      code: first ? callErrorCodeForKeyword16(first.keyword) : 'FormationViolation',
      description: first ? `${first.path || '/'} ${first.message}${more}` : 'payload does not match the schema',
      details: { errors },
    };
  }

  return {
    validateRequest16: (action, payload) => validate(action, payload, ''),
    validateResponse16: (action, payload) => validate(action, payload, 'Response'),
  };
}

function toValidationError(e: ErrorObject): ValidationError16 {
  // Name the offending property for `additionalProperties`; Ajv only puts it in params.
  const extra = e.keyword === 'additionalProperties' ? ` (${String(e.params['additionalProperty'])})` : '';
  return { path: e.instancePath, keyword: e.keyword, message: `${e.message ?? 'is invalid'}${extra}`, params: { ...e.params } };
}

let shared: Validator16 | undefined;

/** Validates a CALL payload with a process-wide validator (schemas compiled on first use). */
export function validateRequest16(action: string, payload: unknown): ValidationResult16 {
  shared ??= createValidator16();
  return shared.validateRequest16(action, payload);
}

/** Validates a CALLRESULT payload with the process-wide validator. */
export function validateResponse16(action: string, payload: unknown): ValidationResult16 {
  shared ??= createValidator16();
  return shared.validateResponse16(action, payload);
}
