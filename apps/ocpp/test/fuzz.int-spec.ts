/**
 * Property/fuzz test of the charger endpoint: thousands of random and garbled frames from several
 * sockets against the running service (real PostgreSQL, NATS, Redis).
 *
 * Properties checked for every frame, by an oracle written from the OCPP-J rules (guide §1.3–1.6)
 * rather than from the service's parser:
 * - a CALL whose id can be read is answered exactly once, with that id: a CALLERROR, or a
 *   CALLRESULT when the (mutated) payload is still valid (`validateRequest16` decides, with the
 *   code it computes for an invalid one);
 * - nothing else is answered (broken or orphan CALLRESULT/CALLERROR, unknown message types,
 *   frames without a readable id, binary frames);
 * - the server stays up, the fuzzed sockets stay open (bad-frame limit raised), and a well-behaved
 *   charger interleaved with the garbage gets every answer;
 * - every rejected frame is kept, verbatim, in `rejected_frames`.
 * The main run accepts any CALLERROR where the brief's property allows one; stricter rules the
 * fuzzer showed broken (InternalError for transaction messages or schema-valid payloads, empty
 * BootNotification strings refused, NUL characters) have their own fixed-payload cases after it,
 * so each bug fails exactly one named test. The main run also fails on any InternalError (a
 * schema-valid message the service could not process is a bug, e.g. a DataTransfer with an empty
 * vendor id once); `FUZZ_STRICT=0` only logs them.
 * A last case boots the service with a low `OCPP_MAX_BAD_FRAMES_PER_MINUTE` and checks that the
 * socket above it is closed (1008) while schema-invalid CALLs do not count and others live on,
 * and that invalid UTF-8 fails only its own connection (1007).
 *
 * Reproduce a failure with `FUZZ_SEED=<seed printed in the test name>`; `FUZZ_FRAMES` (per
 * socket, 600) and `FUZZ_SOCKETS` (4) scale the run.
 */
import { ChargePoint16 } from '@cpo/ocpp-chargepoint';
import { CP_ACTIONS_16, validateRequest16 } from '@cpo/ocpp-protocol';
import { eventually } from '@cpo/testing';
import { generator, isObject, NOT_STORED_CODES, now, Rng, SAMPLES, type Expectation, type Frame } from './fuzz-frames.js';
import { bootedCharger, closedWithin, FuzzSocket, log, wellBehaved } from './fuzz-socket.js';
import { startOcpp, uniqueStation, type OcppHarness } from './harness.js';

const SEED = Number(process.env.FUZZ_SEED ?? Math.floor(Math.random() * 0x7fffffff));
const FRAMES_PER_SOCKET = Number(process.env.FUZZ_FRAMES ?? 600);
const SOCKETS = Number(process.env.FUZZ_SOCKETS ?? 4);
/**
 * InternalError fails the main run (default since the known causes, the cases after it, were
 * fixed); FUZZ_STRICT=0 only logs them, to look past one while another is investigated.
 */
const STRICT = (process.env.FUZZ_STRICT ?? '1') === '1';


// ---------------------------------------------------------------------------------------------

describe(`OCPP endpoint fuzzing (FUZZ_SEED=${SEED})`, () => {
  describe('with a high bad-frame limit', () => {
    let h: OcppHarness;
    const sockets: FuzzSocket[] = [];
    const chargers: ChargePoint16[] = [];
    beforeAll(async () => {
      h = await startOcpp({ OCPP_MAX_BAD_FRAMES_PER_MINUTE: '1000000', OCPP_REMOTE_AUTHORIZE_TIMEOUT_MS: '200' });
    });
    afterAll(async () => {
      for (const s of sockets) s.close();
      await Promise.all(chargers.map((c) => c.stop()));
      await h.close();
    });

    it('answers every CALL with a readable id (CALLERROR, or CALLRESULT when still valid), nothing else, stores the rejects, and stays up', async () => {
      log(`seed ${SEED}: ${SOCKETS} sockets × ${FRAMES_PER_SOCKET} frames (FUZZ_SEED=${SEED} reproduces)`);

      // Which charger actions does the service serve? (The rest must be NotSupported.)
      const probeId = uniqueStation('PROBE');
      const probe = await FuzzSocket.open(`${h.wsUrl}/${probeId}`);
      sockets.push(probe);
      await probe.callOk('BootNotification', SAMPLES.BootNotification, 'boot');
      const served = new Set<string>();
      for (const action of CP_ACTIONS_16) {
        const answer = await probe.callOk(action, SAMPLES[action], `p-${action.slice(0, 30)}`);
        if (!(answer[0] === 4 && answer[2] === 'NotSupported')) served.add(action);
        if (process.env.FUZZ_DEBUG) log(`probe ${action}: ${JSON.stringify(answer)}`);
      }
      for (const action of ['BootNotification', 'Heartbeat', 'StatusNotification', 'MeterValues', 'StartTransaction', 'StopTransaction', 'Authorize', 'DataTransfer']) {
        expect(served).toContain(action);
      }

      const good = await bootedCharger(h);
      chargers.push(good);
      let fuzzing = true;
      const goodRun = wellBehaved(good, () => !fuzzing);

      const stations = Array.from({ length: SOCKETS }, (_, i) => uniqueStation(`FUZZ${i}`));
      const runs = await Promise.all(
        stations.map(async (station, i) => {
          const socket = await FuzzSocket.open(`${h.wsUrl}/${station}`);
          sockets.push(socket);
          const boot = await socket.callOk('BootNotification', SAMPLES.BootNotification, 'boot');
          expect(boot).toEqual([3, 'boot', expect.objectContaining({ status: 'Accepted' })]);
          const next = generator(new Rng(SEED + 1 + i), i, served);
          const frames: Frame[] = [];
          for (let k = 0; k < FRAMES_PER_SOCKET; k++) {
            const frame = next();
            frames.push(frame);
            socket.send(frame.data);
            // Let the other sockets and the server breathe; the frames still arrive in bursts.
            if (k % 25 === 24) await new Promise((r) => setImmediate(r));
          }
          return { station, socket, frames };
        }),
      );

      // Every expected answer arrives...
      const expectedAnswers = (frames: Frame[]) => frames.filter((f) => f.expect.answer !== 'none' && f.expect.answer !== 'either').length;
      const allAnswered = await eventually(() => runs.every((r) => r.socket.answers.length >= expectedAnswers(r.frames)), 15_000, 20);
      // ...and then nothing more (late or duplicate answers would show up here).
      await new Promise((r) => setTimeout(r, 300));
      fuzzing = false;
      const goodStats = await goodRun;

      let expectedStored = 0;
      let txInternalErrors = 0;
      const internalErrors: string[] = [];
      const businessRefusals: string[] = [];
      const storedRaw = new Map<string, string[]>();
      const tally: Record<string, number> = {};
      for (const { station, socket, frames } of runs) {
        const problems: string[] = [];
        // Multiset of expectations by id (ids are unique per frame except the empty one).
        const byId = new Map<string, Expectation[]>();
        const sent = new Map<string, string>();
        for (const f of frames) {
          if (f.expect.answer === 'none') continue;
          sent.set(f.expect.id, typeof f.data === 'string' ? f.data.slice(0, 300) : '<binary>');
          const list = byId.get(f.expect.id) ?? [];
          list.push(f.expect);
          byId.set(f.expect.id, list);
        }
        const answeredErrors = new Map<string, number>();
        for (const answer of socket.answers) {
          const [type] = answer;
          // A numeric id is answered as the number it came as; expectations name it as a string.
          const id = String(answer[1]);
          const list = byId.get(id);
          const e = list?.shift();
          const label = `${type === 3 ? 'CALLRESULT' : `CALLERROR ${String(answer[2])}`} for ${sent.get(id) ?? JSON.stringify(String(id).slice(0, 60))}`;
          tally[type === 3 ? 'CALLRESULT' : String(answer[2])] = (tally[type === 3 ? 'CALLRESULT' : String(answer[2])] ?? 0) + 1;
          if (!e) {
            problems.push(`unexpected ${label}`);
            continue;
          }
          if (type !== 3 && type !== 4) problems.push(`not an answer: ${JSON.stringify(answer).slice(0, 200)}`);
          if (type === 4 && (answer.length !== 5 || typeof answer[3] !== 'string' || !isObject(answer[4]))) problems.push(`malformed CALLERROR ${JSON.stringify(answer).slice(0, 200)}`);
          // A schema-valid payload may still fail a business check (spec: PropertyConstraintViolation);
          // the one the fuzzer finds (empty BootNotification strings) has its own case below.
          if (type === 4 && answer[2] === 'InternalError' && e.answer !== 'result-or-error') internalErrors.push(label);
          if (e.answer === 'result' && type === 4 && (answer[2] === 'PropertyConstraintViolation' || (answer[2] === 'InternalError' && !STRICT))) {
            businessRefusals.push(`${label}: ${String(answer[3])}`);
            answeredErrors.set(id, (answeredErrors.get(id) ?? 0) + 1);
          } else if (e.answer === 'result' && type !== 3) problems.push(`expected a CALLRESULT, got ${label}: ${String(answer[3])}`);
          if (e.answer === 'error' && type !== 4) problems.push(`expected a CALLERROR, got ${label}`);
          if (e.answer === 'error' && type === 4 && e.codes && !e.codes.includes(String(answer[2]))) problems.push(`expected ${e.codes.join('|')}, got ${label}: ${String(answer[3])}`);
          // A CALLERROR is what the brief's property asks for; that transaction messages never get
          // InternalError (guide §1.5) is checked by its own case below, with fixed payloads.
          if (e.answer === 'result-or-error' && type === 4 && String(answer[2]) === 'InternalError') {
            if (STRICT) problems.push(`transaction message failed with ${label}`);
            txInternalErrors += 1;
          }
          if (type === 4 && !NOT_STORED_CODES.has(String(answer[2])) && (e.answer === 'result-or-error' || e.answer === 'either')) answeredErrors.set(id, (answeredErrors.get(id) ?? 0) + 1);
        }
        for (const [id, list] of byId) for (const e of list) if (e.answer !== 'either') problems.push(`no answer for id ${JSON.stringify(id.slice(0, 60))} (${e.answer})`);
        expect({ station, seed: SEED, problems: problems.slice(0, 20), count: problems.length }).toEqual({ station, seed: SEED, problems: [], count: 0 });
        expect(socket.undecodable).toEqual([]);
        expect(socket.open).toBe(true);

        // What must be in rejected_frames for this station, verbatim (binary frames as a marker).
        const raws: string[] = [];
        for (const f of frames) {
          const e = f.expect;
          const stored =
            ('stored' in e && e.stored && e.answer !== 'either') ||
            ((e.answer === 'result-or-error' || e.answer === 'either' || e.answer === 'result') && (answeredErrors.get(e.id) ?? 0) > 0 && (answeredErrors.set(e.id, answeredErrors.get(e.id)! - 1), true));
          if (e.answer === 'either' && e.stored && !stored) raws.push(f.data as string); // kept whether answered or not
          else if (stored) raws.push(Buffer.isBuffer(f.data) ? '<binary frame>' : f.data.slice(0, 65_536));
        }
        expectedStored += raws.length;
        storedRaw.set(station, raws.sort());
      }
      expect(allAnswered).toBe(true);
      log(`answers by kind: ${JSON.stringify(tally)}; InternalError for transaction messages: ${txInternalErrors}, for others: ${internalErrors.length} ${JSON.stringify(internalErrors.slice(0, 3))}; schema-valid but refused: ${businessRefusals.length} ${JSON.stringify(businessRefusals.slice(0, 3))}; well-behaved charger: ${goodStats.calls} calls, slowest ${goodStats.maxMs} ms`);
      expect(goodStats.calls).toBeGreaterThan(10);
      // Loose on purpose (the machine is shared): the garbage must not starve others to a charger timeout.
      expect(goodStats.maxMs).toBeLessThan(10_000);

      // Every rejected frame is kept (the writes are asynchronous: wait for them).
      const count = async () => {
        const [{ n }] = (await h.db.query(`SELECT count(*)::int AS n FROM rejected_frames WHERE station_id = ANY($1)`, [stations])) as { n: number }[];
        return n;
      };
      await eventually(async () => (await count()) >= expectedStored, 10_000, 50);
      for (const station of stations) {
        const rows = (await h.db.query(`SELECT raw FROM rejected_frames WHERE station_id = $1`, [station])) as { raw: string }[];
        const stored = rows.map((r) => r.raw).sort();
        const wanted = storedRaw.get(station)!;
        const missing = wanted.filter((w) => !stored.includes(w));
        expect({ station, seed: SEED, stored: stored.length, wanted: wanted.length, missing: missing.slice(0, 5).map((m) => JSON.stringify(m).slice(0, 200)) }).toEqual({
          station,
          seed: SEED,
          stored: wanted.length,
          wanted: wanted.length,
          missing: [],
        });
      }
      log(`${expectedStored} rejected frames stored`);

      // The service is still up: a new charger connects and is served, the health endpoint answers.
      const late = await bootedCharger(h);
      chargers.push(late);
      expect(await late.call('Heartbeat', {}, { suppress: false })).toHaveProperty('currentTime');
      expect((await fetch(`${h.app.baseUrl}/health`)).status).toBe(200);
    }, 40_000);

    // Shapes the fuzzer found (seed 1546785808): each reached a handler through the lenient path
    // for transaction messages and came back as InternalError (TypeError in meter-samples.ts, or
    // PostgreSQL "invalid input syntax for type integer" / NOT NULL violations).
    it('refuses transaction messages whose core fields do not parse with a schema CallError, never InternalError', async () => {
      const socket = await FuzzSocket.open(`${h.wsUrl}/${uniqueStation('TXBAD')}`);
      sockets.push(socket);
      await socket.callOk('BootNotification', SAMPLES.BootNotification, 'boot');
      const mv = SAMPLES.MeterValues as { meterValue: { sampledValue: object[] }[] };
      const cases: [string, Record<string, unknown>][] = [
        ['MeterValues', { ...SAMPLES.MeterValues, meterValue: {} }],
        ['MeterValues', { ...SAMPLES.MeterValues, meterValue: [{ timestamp: now, sampledValue: {} }] }],
        ['MeterValues', { ...SAMPLES.MeterValues, meterValue: [{ timestamp: now, sampledValue: [{ value: 12 }] }] }],
        ['MeterValues', { ...SAMPLES.MeterValues, meterValue: [{ timestamp: now, sampledValue: [{}] }] }],
        ['MeterValues', { ...SAMPLES.MeterValues, meterValue: [null] }],
        ['MeterValues', { ...SAMPLES.MeterValues, connectorId: 'one' }],
        ['MeterValues', { ...SAMPLES.MeterValues, meterValue: [{ ...mv.meterValue[0], sampledValue: [{ value: '1', unit: ['kW'] }] }] }],
        ['StartTransaction', { ...SAMPLES.StartTransaction, connectorId: 'one' }],
        ['StartTransaction', { ...SAMPLES.StartTransaction, meterStart: 1.5 }],
        ['StartTransaction', { ...SAMPLES.StartTransaction, meterStart: {} }],
        ['StartTransaction', { connectorId: 1, meterStart: 1000, timestamp: now }],
        ['StopTransaction', { ...SAMPLES.StopTransaction, transactionId: 'abc' }],
        ['StopTransaction', { ...SAMPLES.StopTransaction, meterStop: '2026-11-23T10:00:00+02:00' }],
      ];
      const failures: string[] = [];
      for (const [i, [action, payload]] of cases.entries()) {
        const answer = await socket.callOk(action, payload, `tx-${i}`);
        if (answer[0] === 4 && answer[2] === 'InternalError') failures.push(`${action} ${JSON.stringify(payload).slice(0, 160)}`);
      }
      expect(failures).toEqual([]);
    });

    // Found by the fuzzer (seed 1507237661): the OCA schema allows empty strings, the
    // ocpp.station.booted contract (NonEmptyString) does not, so the charger can never boot.
    it('accepts a schema-valid BootNotification with empty strings', async () => {
      const socket = await FuzzSocket.open(`${h.wsUrl}/${uniqueStation('EMPTY')}`);
      sockets.push(socket);
      const payload = { chargePointVendor: '', chargePointModel: '', firmwareVersion: '', chargePointSerialNumber: '' };
      expect(validateRequest16('BootNotification', payload)).toEqual({ ok: true });
      expect(await socket.callOk('BootNotification', payload, 'boot')).toEqual([3, 'boot', expect.objectContaining({ status: 'Accepted' })]);
    });

    // Found by the fuzzer (seeds 1062578727, 1782614237): schema-valid integers outside what the
    // columns hold (OCA StatusNotification.connectorId has no bounds) fail the commit.
    it('answers schema-valid but out-of-range integers with a CallError other than InternalError', async () => {
      const socket = await FuzzSocket.open(`${h.wsUrl}/${uniqueStation('RANGE')}`);
      sockets.push(socket);
      await socket.callOk('BootNotification', SAMPLES.BootNotification, 'boot');
      const failures: string[] = [];
      for (const [i, connectorId] of [-1, 2 ** 31, 1e21].entries()) {
        const payload = { ...SAMPLES.StatusNotification, connectorId };
        expect(validateRequest16('StatusNotification', payload)).toEqual({ ok: true });
        const answer = await socket.callOk('StatusNotification', payload, `range-${i}`);
        if (answer[0] === 4 && answer[2] === 'InternalError') failures.push(`StatusNotification connectorId ${connectorId}`);
      }
      expect(failures).toEqual([]);
    });

    // Found by the fuzzer (seeds 1546785808, 600765639): PostgreSQL text and jsonb cannot hold
    // U+0000, so a raw frame with NUL is never stored (rejected_frames insert fails), and a NUL in
    // a schema-valid string field (firmwareVersion: "\u0000") turns into InternalError.
    it('copes with NUL characters: keeps a raw frame containing NUL, accepts NUL inside strings', async () => {
      const station = uniqueStation('NUL');
      const socket = await FuzzSocket.open(`${h.wsUrl}/${station}`);
      sockets.push(socket);
      socket.send('\u0000garbage\u0000');
      const boot = { chargePointVendor: 'Acme', chargePointModel: 'S1', firmwareVersion: 'v1\u0000\u0000' };
      expect(validateRequest16('BootNotification', boot)).toEqual({ ok: true });
      expect(await socket.callOk('BootNotification', boot, 'boot')).toEqual([3, 'boot', expect.objectContaining({ status: 'Accepted' })]);
      expect(await socket.callOk('DataTransfer', { vendorId: 'com.acme', data: 'a\u0000b' }, 'dt')).toEqual([3, 'dt', { status: 'UnknownVendorId' }]);
      expect(
        await eventually(async () => ((await h.db.query(`SELECT raw FROM rejected_frames WHERE station_id = $1`, [station])) as unknown[]).length === 1, 3_000),
      ).toBe(true);
    });
  });

  describe('with a low bad-frame limit', () => {
    const LIMIT = 5;
    let h: OcppHarness;
    const sockets: FuzzSocket[] = [];
    const chargers: ChargePoint16[] = [];
    beforeAll(async () => {
      h = await startOcpp({ OCPP_MAX_BAD_FRAMES_PER_MINUTE: String(LIMIT) });
    });
    afterAll(async () => {
      for (const s of sockets) s.close();
      await Promise.all(chargers.map((c) => c.stop()));
      await h.close();
    });

    it('closes a socket above the limit (1008) but not for schema-invalid CALLs, and keeps the others working', async () => {
      const rng = new Rng(SEED ^ 0x5eed);
      const good = await bootedCharger(h);
      chargers.push(good);
      const station = uniqueStation('NOISY');
      const noisy = await FuzzSocket.open(`${h.wsUrl}/${station}`);
      sockets.push(noisy);
      expect(await noisy.callOk('BootNotification', SAMPLES.BootNotification, 'boot')).toEqual([3, 'boot', expect.objectContaining({ status: 'Accepted' })]);

      // Well-framed CALLs with invalid payloads are answered but are not malformed frames.
      for (let i = 0; i < LIMIT * 3; i++) {
        const answer = await noisy.callOk('StatusNotification', { connectorId: 'one', status: 'Sleeping' }, `schema-${i}`);
        expect(answer[0]).toBe(4);
      }
      expect(noisy.open).toBe(true);

      // Up to the limit, garbage is tolerated...
      const garbage = () => (rng.chance(0.5) ? rng.bytes(rng.int(1, 50)) : `{${rng.text(rng.int(1, 50))}`);
      for (let i = 0; i < LIMIT; i++) noisy.send(garbage());
      expect(await noisy.callOk('Heartbeat', {}, 'still-here')).toEqual([3, 'still-here', { currentTime: expect.any(String) }]);
      // ...one more closes the socket with a policy violation.
      noisy.send(garbage());
      const closed = await closedWithin(noisy, 5_000);
      expect(closed).toEqual({ code: 1008, reason: expect.stringMatching(/malformed/) });

      // Invalid UTF-8 in a text frame fails that connection (RFC 6455 §8.1, 1007), nobody else's.
      const broken = await FuzzSocket.open(`${h.wsUrl}/${uniqueStation('UTF8')}`);
      sockets.push(broken);
      broken.ws.send(Buffer.from([0x5b, 0x32, 0x2c, 0x22, 0xc3, 0x28, 0x22, 0x5d]), { binary: false });
      expect(await closedWithin(broken, 5_000)).toEqual({ code: 1007, reason: expect.any(String) });

      // The others never noticed, and the noisy station may come back with a fresh allowance.
      expect(await good.call('Heartbeat', {}, { suppress: false })).toHaveProperty('currentTime');
      const back = await FuzzSocket.open(`${h.wsUrl}/${station}`);
      sockets.push(back);
      back.send('not json');
      expect(await back.callOk('Heartbeat', {}, 'back')).toEqual([3, 'back', { currentTime: expect.any(String) }]);
      expect(back.open).toBe(true);
      expect(await eventually(async () => {
        const [{ n }] = (await h.db.query(`SELECT count(*)::int AS n FROM rejected_frames WHERE station_id = $1`, [station])) as { n: number }[];
        // 15 schema-invalid CALLs + LIMIT + 1 garbage frames + 1 after reconnecting
        return n === LIMIT * 3 + LIMIT + 2;
      })).toBe(true);
    });
  });
});
