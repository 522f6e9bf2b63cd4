import { schemas16, type ValidationError16 } from '@cpo/ocpp-protocol';

export const INT32_MAX = 2_147_483_647;
export const INT32_MIN = -2_147_483_648;

/**
 * The largest magnitude a decimal (`number` in the OCA schemas: a schedule's `limit`,
 * `minChargingRate`) may have. The schema gives none; 1e9 is far beyond any charging rate in A or W
 * (a megawatt charger is a few million W), so a larger value is a slip, not a rate. Chargers
 * commonly parse decimals into a 32-bit float, where 1e300 is infinity, and our own conversions of
 * a limit (× voltage × phases) must stay finite in what we record and show.
 */
export const DECIMAL_MAGNITUDE_MAX = 1e9;

interface SchemaNode {
  type?: string;
  properties?: Record<string, SchemaNode>;
  items?: SchemaNode;
  $ref?: string;
  definitions?: Record<string, SchemaNode>;
}

function violation(path: string, message: string, params: Record<string, unknown> = {}): ValidationError16 {
  return { path, keyword: 'rule', message, params };
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The OCA schemas' local references only (`#/definitions/X`): the only kind they use. */
function resolved(node: SchemaNode, root: SchemaNode): SchemaNode {
  const name = node.$ref?.startsWith('#/definitions/') ? node.$ref.slice('#/definitions/'.length) : undefined;
  return (name !== undefined ? root.definitions?.[name] : undefined) ?? node;
}

/**
 * The numbers of `value` out of range by the type its schema gives them. Every `integer` is 32-bit:
 * OCPP 1.6 defines its integer so ("32 bit (31 bit resolution, 1 sign bit)"), a charger holds it so,
 * and we store the ones we record (ids, connectors, versions, stack levels) in `integer` columns; a
 * larger one was sent and acted on while recording it failed, so our records drifted from the
 * charger's. Walked from the schema, so a field added to it is covered without a list to keep.
 */
function numberViolations(node: SchemaNode, root: SchemaNode, value: unknown, path: string, found: ValidationError16[]): void {
  const at = resolved(node, root);
  if (typeof value === 'number') {
    if (at.type === 'integer' && (value < INT32_MIN || value > INT32_MAX)) {
      found.push(violation(path, `must be a 32-bit integer (${INT32_MIN} to ${INT32_MAX})`, { min: INT32_MIN, max: INT32_MAX }));
    }
    if (at.type === 'number' && !(Math.abs(value) <= DECIMAL_MAGNITUDE_MAX)) {
      found.push(violation(path, `must be between ${-DECIMAL_MAGNITUDE_MAX} and ${DECIMAL_MAGNITUDE_MAX}`, { min: -DECIMAL_MAGNITUDE_MAX, max: DECIMAL_MAGNITUDE_MAX }));
    }
    return;
  }
  if (at.properties && isObject(value)) {
    for (const [key, child] of Object.entries(at.properties)) {
      if (value[key] !== undefined) numberViolations(child, root, value[key], `${path}/${key}`, found);
    }
  } else if (at.items && Array.isArray(value)) {
    value.forEach((item, i) => numberViolations(at.items!, root, item, `${path}/${i}`, found));
  }
}

/** A UTF-16 surrogate without its pair: not a character, so not valid UTF-8 to store or send. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Why `text` cannot be stored as PostgreSQL text (nor jsonb), if it cannot. */
function unstorable(text: string): string | undefined {
  if (text.includes('\u0000')) return 'must not contain a NUL character (\\u0000): it cannot be stored';
  if (LONE_SURROGATE.test(text)) return 'must not contain an unpaired UTF-16 surrogate: it is not a character and cannot be stored';
  return undefined;
}

/**
 * Strings anywhere in the payload (property names too) that PostgreSQL cannot hold: a NUL, an
 * unpaired surrogate. The charger took them (the schema allows any character), while recording the
 * command failed: a 500 with the database's text, or a local list or configuration shown as before.
 * Iterative: the payload may come from the bus unchecked by any DTO.
 */
function stringViolations(payload: Record<string, unknown>): ValidationError16[] {
  const found: ValidationError16[] = [];
  // Children pushed in reverse, so the violations come in the payload's order; a name's own
  // violation is pushed after its value's, so it comes first.
  const pending: ({ value: unknown; path: string } | ValidationError16)[] = [{ value: payload, path: '' }];
  while (pending.length > 0) {
    const next = pending.pop()!;
    if ('keyword' in next) {
      found.push(next);
      continue;
    }
    const { value, path } = next;
    if (typeof value === 'string') {
      const why = unstorable(value);
      if (why) found.push(violation(path, why));
    } else if (Array.isArray(value)) {
      for (let i = value.length - 1; i >= 0; i--) pending.push({ value: value[i], path: `${path}/${i}` });
    } else if (isObject(value)) {
      for (const [key, item] of Object.entries(value).reverse()) {
        const why = unstorable(key);
        // Such a name is shown escaped in the path: it is the part that cannot be carried as is.
        const at = `${path}/${why ? JSON.stringify(key).slice(1, -1) : key.replace(/~/g, '~0').replace(/\//g, '~1')}`;
        pending.push({ value: item, path: at });
        if (why) pending.push(violation(at, `(the property name) ${why}`));
      }
    }
  }
  return found;
}

/**
 * Values of a CS→CP payload its OCA schema allows but neither the charger's types nor our storage
 * hold: integers beyond 32 bits, decimals beyond any rate, strings with a NUL or a lone surrogate.
 * Reads only what is present, so a payload not yet completed (no reservationId) is checked too.
 */
export function payloadValueViolations(action: string, payload: Record<string, unknown>): ValidationError16[] {
  const schema = (schemas16 as Record<string, SchemaNode | undefined>)[action];
  const found: ValidationError16[] = [];
  if (schema) numberViolations(schema, schema, payload, '', found);
  return [...found, ...stringViolations(payload)];
}
