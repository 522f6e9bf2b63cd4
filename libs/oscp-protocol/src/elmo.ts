/**
 * ELMO's own validation rules (guide §3, §7.1, §7.6): what ELMO enforces on the messages a
 * Flexibility Provider sends it. The testbed applies them; our service checks its output with
 * them before sending so a bad message fails here, not at Taipower.
 */
import type { z } from 'zod';
import { OSCP_VERSION, type GroupCapacityForecastMessage, type RegisterMessage } from './messages.js';
import { HOUR_MS, addDays, taipeiDate } from './taipei.js';

/** ELMO's `base_url` rule: HTTPS, no port, no `_`, no query, no trailing slash. */
export const ELMO_BASE_URL = /^https:\/\/[a-zA-Z0-9./-]*[^/]$/;

/** A relaxed `base_url` rule for local runs of the testbed: also `http` and a `:port`. */
export const LOCAL_BASE_URL = /^https?:\/\/[a-zA-Z0-9.:/-]*[^/]$/;

/**
 * Register as ELMO accepts it: exactly one `version_url`, version `2.0`, an ELMO-valid `base_url`
 * (`allowHttp` relaxes the URL rule for local runs).
 */
export function elmoRegisterProblems(msg: RegisterMessage, options: { allowHttp?: boolean } = {}): string[] {
  const urlRule = options.allowHttp ? LOCAL_BASE_URL : ELMO_BASE_URL;
  const problems: string[] = [];
  if (msg.version_url.length !== 1) problems.push('version_url must have exactly one entry');
  const [v] = msg.version_url;
  if (v && v.version !== OSCP_VERSION) problems.push(`version_url.0.version must be "${OSCP_VERSION}"`);
  if (v && !urlRule.test(v.base_url)) problems.push(`version_url.0.base_url must match ${urlRule.source}`);
  return problems;
}

/**
 * Adjust shape as ELMO enforces it: 24 blocks, all starting on the Taipei date of the first,
 * blocks 1–23 ending on it and block 24 on the next date, consecutive, one hour each.
 */
export function elmoAdjustProblems(msg: GroupCapacityForecastMessage): string[] {
  const blocks = msg.forecasted_blocks;
  if (blocks.length !== 24) return [`forecasted_blocks must have exactly 24 entries, got ${blocks.length}`];
  const problems: string[] = [];
  const day = taipeiDate(Date.parse(blocks[0].start_time));
  const next = addDays(day, 1);
  blocks.forEach((b, i) => {
    const start = Date.parse(b.start_time);
    const end = Date.parse(b.end_time);
    if (taipeiDate(start) !== day) problems.push(`forecasted_blocks.${i}.start_time must be on ${day}`);
    if (taipeiDate(end) !== (i === 23 ? next : day)) problems.push(`forecasted_blocks.${i}.end_time must be on ${i === 23 ? next : day}`);
    if (end - start !== HOUR_MS) problems.push(`forecasted_blocks.${i} must last one hour`);
    if (i > 0 && start !== Date.parse(blocks[i - 1].end_time)) problems.push(`forecasted_blocks.${i}.start_time must equal the previous end_time`);
    if (b.capacity === null) problems.push(`forecasted_blocks.${i}.capacity must be a number`);
  });
  return problems;
}

/** ELMO keeps the capacity rounded half-up to an integer kW. */
export function roundHalfUpKw(kw: number): number {
  return Math.floor(kw + 0.5);
}

/** Turns a zod failure into the problems list the ELMO checks use. */
export function zodProblems(error: z.ZodError): string[] {
  return error.issues.map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`);
}
