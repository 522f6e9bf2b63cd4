/**
 * Preloaded into the ocpp service by part 1a (`--import`): counts the scrypt runs it starts and
 * writes the count to BENCH_SCRYPT_COUNT_FILE. The service has no metric for them, and the storm's
 * cost is exactly that count (one run per charger a replica cannot recall); the bench reads the
 * file before and after each storm. Only `crypto.scrypt` is wrapped, before any module of the
 * service takes it (password.ts promisifies it when loaded), so nothing else changes.
 */
import crypto from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';

const file = process.env.BENCH_SCRYPT_COUNT_FILE;
if (file) {
  let runs = 0;
  let written = -1;
  const original = crypto.scrypt;
  crypto.scrypt = function (this: unknown, ...args: unknown[]) {
    runs += 1;
    return (original as (...a: unknown[]) => void).apply(this, args);
  } as typeof crypto.scrypt;
  // `import { scrypt } from 'node:crypto'` reads the ESM namespace, which copies the properties only when told to.
  syncBuiltinESMExports();
  const flush = () => {
    if (runs === written) return;
    writeFileSync(file, String(runs));
    written = runs;
  };
  flush();
  setInterval(flush, 200).unref();
  process.on('exit', flush);
}
