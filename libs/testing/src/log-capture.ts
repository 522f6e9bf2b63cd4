import { Writable } from 'node:stream';

/** One JSON log line as pino wrote it. */
export type LogLine = Record<string, unknown> & { level?: string; msg?: string };

export interface LogCapture {
  /** Give to startTestApp as `logDestination` (with a LOG_LEVEL that writes the lines wanted). */
  destination: Writable;
  lines: LogLine[];
  /** Everything written so far, as text: for "never contains" assertions over every field. */
  text(): string;
}

/** A pino destination keeping the app's log lines in memory, for tests about what is logged. */
export function captureLogs(): LogCapture {
  const lines: LogLine[] = [];
  const raw: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const text of chunk.toString().split('\n').filter(Boolean)) {
        raw.push(text);
        lines.push(JSON.parse(text) as LogLine);
      }
      done();
    },
  });
  return { destination, lines, text: () => raw.join('\n') };
}
