/**
 * NATS subject matching, as the server does it: tokens are separated by `.`, `*` matches exactly
 * one token and `>` (only as the last token) matches one or more tokens.
 */

function tokensOf(subject: string): string[] | undefined {
  const tokens = subject.split('.');
  // Empty tokens (`a..b`, leading or trailing `.`) make a subject invalid: it matches nothing.
  if (tokens.some((token) => token.length === 0)) return undefined;
  if (tokens.slice(0, -1).includes('>')) return undefined;
  return tokens;
}

/**
 * Whether the literal `subject` is matched by `pattern` (which may contain `*` and `>`).
 * Invalid subjects or patterns match nothing.
 */
export function subjectMatches(pattern: string, subject: string): boolean {
  const patternTokens = tokensOf(pattern);
  const subjectTokens = tokensOf(subject);
  if (patternTokens === undefined || subjectTokens === undefined) return false;
  for (let i = 0; i < patternTokens.length; i++) {
    const expected = patternTokens[i];
    if (expected === '>') return subjectTokens.length > i;
    const actual = subjectTokens[i];
    if (actual === undefined) return false;
    if (expected !== '*' && expected !== actual) return false;
  }
  return subjectTokens.length === patternTokens.length;
}

/**
 * Whether some literal subject is matched by both patterns, e.g. `ocpp.>` and `ocpp.command.*`
 * overlap, `ocpp.station.>` and `ocpp.command.*` do not. JetStream refuses streams whose
 * subjects overlap, and a stream overlapping a request/reply subject would answer requests.
 */
export function subjectsOverlap(a: string, b: string): boolean {
  const left = tokensOf(a);
  const right = tokensOf(b);
  if (left === undefined || right === undefined) return false;
  for (let i = 0; ; i++) {
    const x = left[i];
    const y = right[i];
    if (x === undefined || y === undefined) return x === y;
    // Both sides still have at least one token here, which is all `>` needs.
    if (x === '>' || y === '>') return true;
    if (x !== '*' && y !== '*' && x !== y) return false;
  }
}
