import { loadSchema16, parseDateTimeMs, schemas16, type JsonObject, type Schema16Name } from '@cpo/ocpp-protocol';

/**
 * Field tolerances of the guide (§1.10) applied to a charger's payload before validation and before
 * any consumer reads it, walking the action's OCA schema so every action is covered alike:
 * - `zones`: a `date-time` without `Z` or offset is read as UTC and given its `Z` (chargers in the
 *   field omit it; the transaction and meter paths already read it so).
 * - `enums`: a value that matches one case of its schema enum only case-insensitively takes the
 *   canonical spelling. Consumers compare `status === 'Accepted'`: an `accepted` passed on raw was
 *   read as a refusal (a profile the charger holds shown as not installed, a remote start recorded
 *   Rejected, smart charging learning refusals that never happened).
 * The payload is never mutated (what changed is copied); `adjusted` lists each change (JSON pointer:
 * old → new).
 */
export interface Tolerated {
  payload: JsonObject;
  adjusted: string[];
}

export interface ToleranceOptions {
  zones: boolean;
  enums: boolean;
}

type SchemaNode = Record<string, unknown>;

const schemas = new Map<string, SchemaNode>();

function schemaOf(name: string): SchemaNode | undefined {
  if (!(name in schemas16)) return undefined;
  let s = schemas.get(name);
  if (!s) {
    // With the errata patches the validator applies (e.g. `Celsius`): canonical is what validates.
    s = loadSchema16(name as Schema16Name) as SchemaNode;
    schemas.set(name, s);
  }
  return s;
}

/** Tolerances for a CALL (`kind` request) or CALLRESULT (`response`) of `action`. */
export function tolerate16(kind: 'request' | 'response', action: string, payload: JsonObject, options: ToleranceOptions): Tolerated {
  const root = schemaOf(kind === 'request' ? action : `${action}Response`);
  const adjusted: string[] = [];
  if (!root || (!options.zones && !options.enums)) return { payload, adjusted };
  return { payload: walk(root, root, payload, '', options, adjusted, 0) as JsonObject, adjusted };
}

/** A local `$ref` (`#/definitions/X`, the security files' only kind) resolved against the root. */
function resolve(root: SchemaNode, node: SchemaNode): SchemaNode {
  const ref = node['$ref'];
  if (typeof ref !== 'string' || !ref.startsWith('#/')) return node;
  let target: unknown = root;
  for (const part of ref.slice(2).split('/')) target = (target as SchemaNode | undefined)?.[part];
  return typeof target === 'object' && target !== null ? (target as SchemaNode) : node;
}

// The OCA schemas nest a few levels; the bound only stops a pathological `$ref` cycle.
const MAX_DEPTH = 32;

function walk(root: SchemaNode, raw: SchemaNode, value: unknown, path: string, o: ToleranceOptions, adjusted: string[], depth: number): unknown {
  if (depth > MAX_DEPTH) return value;
  const node = resolve(root, raw);
  if (typeof value === 'string') return text(node, value, path, o, adjusted);
  if (Array.isArray(value)) {
    const items = node['items'];
    if (typeof items !== 'object' || items === null || Array.isArray(items)) return value;
    const mapped = value.map((v, i) => walk(root, items as SchemaNode, v, `${path}/${i}`, o, adjusted, depth + 1));
    return mapped.some((v, i) => v !== value[i]) ? mapped : value;
  }
  if (typeof value !== 'object' || value === null) return value;
  const properties = node['properties'];
  if (typeof properties !== 'object' || properties === null) return value;
  const entries = Object.entries(value);
  const walked = entries.map(([key, v]) => {
    const child = Object.hasOwn(properties, key) ? (properties as Record<string, unknown>)[key] : undefined;
    return typeof child === 'object' && child !== null ? walk(root, child as SchemaNode, v, `${path}/${key}`, o, adjusted, depth + 1) : v;
  });
  // Copied only when something changed; with fromEntries, so a charger's `__proto__` key stays a plain key.
  return walked.some((v, i) => v !== entries[i]![1]) ? Object.fromEntries(entries.map(([key], i) => [key, walked[i]])) : value;
}

function text(node: SchemaNode, value: string, path: string, o: ToleranceOptions, adjusted: string[]): string {
  const cases = node['enum'];
  if (o.enums && Array.isArray(cases) && !cases.includes(value)) {
    const lower = value.toLowerCase();
    const matches = cases.filter((c): c is string => typeof c === 'string' && c.toLowerCase() === lower);
    // Only an unambiguous match: no OCA enum has two cases differing in case alone, but a patched one might.
    if (matches.length === 1) {
      adjusted.push(`${path || '/'} ${JSON.stringify(value)} → ${JSON.stringify(matches[0])}`);
      return matches[0]!;
    }
  }
  if (o.zones && node['format'] === 'date-time' && parseDateTimeMs(value) === undefined && parseDateTimeMs(value, { missingZone: 'utc' }) !== undefined) {
    adjusted.push(`${path || '/'} ${JSON.stringify(value)} without zone read as UTC`);
    return `${value}Z`;
  }
  return value;
}
