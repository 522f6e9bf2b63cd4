/**
 * Plain-text output of the demo: aligned tables and small formatters (pure, unit-tested), and the
 * one place that prints: progress lines to stdout as the day is played (with the time since start,
 * so a newcomer sees where the minutes go), then the summary. Services log through pino; this is a
 * CLI, and its output is the product.
 */
export interface Column<Row> {
  header: string;
  value: (row: Row) => string;
  /** Numbers read best right-aligned; text left-aligned (the default). */
  align?: 'left' | 'right';
}

/** Renders rows as an aligned table with a header and a dashed rule, each line indented. */
export function renderTable<Row>(columns: readonly Column<Row>[], rows: readonly Row[], indent = '  '): string[] {
  const cells = rows.map((row) => columns.map((c) => c.value(row)));
  const widths = columns.map((c, i) => Math.max(c.header.length, ...cells.map((r) => r[i].length)));
  const line = (values: string[]) =>
    indent +
    values
      .map((v, i) => (columns[i].align === 'right' ? v.padStart(widths[i]) : v.padEnd(widths[i])))
      .join('  ')
      .trimEnd();
  return [line(columns.map((c) => c.header)), indent + widths.map((w) => '-'.repeat(w)).join('  '), ...cells.map(line)];
}

const TAIPEI_OFFSET_MS = 8 * 3_600_000;

/** `HH:MM:SS` in Asia/Taipei, the time zone every ELMO rule is written in. */
export function taipeiClock(atMs: number): string {
  return new Date(atMs + TAIPEI_OFFSET_MS).toISOString().slice(11, 19);
}

/** `YYYY-MM-DD HH:MM` in Asia/Taipei. */
export function taipeiStamp(atMs: number): string {
  const iso = new Date(atMs + TAIPEI_OFFSET_MS).toISOString();
  return `${iso.slice(0, 10)} ${iso.slice(11, 16)}`;
}

/** kW with one decimal, or a dash when unknown. */
export function kw(value: number | null | undefined, digits = 1): string {
  return value === null || value === undefined || !Number.isFinite(value) ? '–' : value.toFixed(digits);
}

/** A duration as `1m05s` / `42s`. */
export function duration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  return s >= 60 ? `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s` : `${s}s`;
}

/**
 * Keeps at most `max` items for display: always the first, the last and every `keep` item (rows
 * with an event), then evenly spaced others, in their original order.
 */
export function thin<T>(items: readonly T[], max: number, keep: (item: T) => boolean = () => false): T[] {
  if (items.length <= max) return [...items];
  const chosen = new Set<number>([0, items.length - 1]);
  items.forEach((item, i) => keep(item) && chosen.add(i));
  const room = max - chosen.size;
  if (room > 0) {
    const step = items.length / (room + 1);
    for (let k = 1; k <= room; k++) chosen.add(Math.min(items.length - 1, Math.round(k * step)));
  }
  return [...chosen].sort((a, b) => a - b).map((i) => items[i]);
}

// --- printing ---------------------------------------------------------------------------------

const started = Date.now();

export const out = (line = ''): void => {
  process.stdout.write(`${line}\n`);
};

export const lines = (all: readonly string[]): void => all.forEach((l) => out(l));

/** A progress line: `[  42s] text`. */
export const step = (text: string): void => out(`[${duration(Date.now() - started).padStart(6)}] ${text}`);

/** A progress line for something that did not happen, with the reason. */
export const skipped = (text: string): void => step(`SKIPPED ${text}`);

export const heading = (title: string): void => {
  out('');
  out(title);
  out('='.repeat(title.length));
};

export const sub = (title: string): void => {
  out('');
  out(title);
};

export const elapsedMs = (): number => Date.now() - started;
