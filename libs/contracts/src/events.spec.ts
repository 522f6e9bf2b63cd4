import { EventSchemas, type EventMap } from './event-map.js';
import { Subjects, type EventSubject } from './subjects.js';
import { sampleEvents } from './testing/samples.js';
import { validateEvent } from './validate.js';

/** A mutable deep copy of a sample, to break one field at a time. */
function copyOf<S extends EventSubject>(subject: S): EventMap[S] {
  return structuredClone(sampleEvents[subject]);
}

function reasonFor(subject: EventSubject, payload: unknown): string {
  const result = validateEvent(subject, 1, payload);
  if (result.ok) throw new Error(`expected ${subject} payload to be rejected`);
  return result.reason;
}

describe('sample events', () => {
  it('cover every subject', () => {
    expect(Object.keys(sampleEvents).sort()).toEqual(Object.values(Subjects).sort());
  });

  it.each(Object.values(Subjects))('%s: the sample is valid at the current version', (subject) => {
    const result = validateEvent(subject, EventSchemas[subject].version, sampleEvents[subject]);
    expect(result).toEqual({ ok: true, value: sampleEvents[subject] });
  });

  it('are frozen so tests cannot corrupt each other', () => {
    expect(Object.isFrozen(sampleEvents[Subjects.CapacityForecastReceived].blocks[0])).toBe(true);
  });
});

describe('rejections shared by every payload', () => {
  it.each(Object.values(Subjects))('%s: an unknown field is rejected', (subject) => {
    const payload = { ...copyOf(subject), surprise: true };
    expect(reasonFor(subject, payload)).toBe('(root): Unrecognized key: "surprise"');
  });

  it.each([null, 'text', 42, [], undefined])('a non-object payload (%j) is rejected', (payload) => {
    expect(reasonFor(Subjects.OcppStationBooted, payload)).toMatch(/^\(root\): Invalid input: expected object/);
  });
});

describe('timestamps', () => {
  it.each(['2025-06-18T10:00:00', '2025-06-18', '18/06/2025 10:00', '2025-06-18T25:00:00Z', ''])(
    'rejects %j',
    (timestamp) => {
      const payload = { ...copyOf(Subjects.OcppStationBooted), bootedAt: timestamp };
      expect(reasonFor(Subjects.OcppStationBooted, payload)).toMatch(/^bootedAt: Invalid ISO datetime/);
    },
  );

  it('accepts UTC and offset forms with or without milliseconds', () => {
    for (const bootedAt of ['2025-06-18T02:00:00Z', '2025-06-18T10:00:00.000+08:00', '2025-06-18T02:00:00.5Z']) {
      expect(validateEvent(Subjects.OcppStationBooted, 1, { ...copyOf(Subjects.OcppStationBooted), bootedAt }).ok).toBe(true);
    }
  });
});

describe('capacity.forecast.received', () => {
  const subject = Subjects.CapacityForecastReceived;

  it('rejects a negative power', () => {
    const payload = copyOf(subject);
    payload.blocks[0] = { ...payload.blocks[0]!, powerW: -1 };
    expect(reasonFor(subject, payload)).toBe('blocks.0.powerW: Too small: expected number to be >=0');
  });

  it('rejects a block that ends before it starts', () => {
    const payload = copyOf(subject);
    payload.blocks[3] = { ...payload.blocks[3]!, endTime: payload.blocks[3]!.startTime };
    expect(reasonFor(subject, payload)).toBe('blocks.3.endTime: endTime must be after startTime');
  });

  it('compares instants, not strings, across offsets', () => {
    const payload = copyOf(subject);
    // 01:30Z is 09:30+08:00: after a 09:00+08:00 start although it sorts before it as text.
    payload.blocks = [{ startTime: '2025-06-18T09:00:00+08:00', endTime: '2025-06-18T01:30:00Z', powerW: 50_000, phase: 'ALL' }];
    expect(validateEvent(subject, 1, payload).ok).toBe(true);
  });

  it('rejects an empty block list, an unknown kind and a non-finite power', () => {
    expect(reasonFor(subject, { ...copyOf(subject), blocks: [] })).toBe(
      'blocks: Too small: expected array to have >=1 items',
    );
    expect(reasonFor(subject, { ...copyOf(subject), kind: 'DAY_AHEAD_ASSIGN' })).toMatch(/^kind: Invalid option/);
    const payload = copyOf(subject);
    payload.blocks[0] = { ...payload.blocks[0]!, powerW: Number.POSITIVE_INFINITY };
    expect(reasonFor(subject, payload)).toMatch(/^blocks\.0\.powerW: /);
  });
});

describe('capacity.adjust.requested', () => {
  const subject = Subjects.CapacityAdjustRequested;

  it('rejects 23 blocks', () => {
    const payload = copyOf(subject);
    payload.blocks = payload.blocks.slice(0, 23);
    expect(reasonFor(subject, payload)).toBe('blocks: Too small: expected array to have exactly 24 items');
  });

  it('rejects blocks that are not the 24 hours of the Taipei day', () => {
    const shifted = copyOf(subject);
    shifted.date = '2025-06-19';
    expect(reasonFor(subject, shifted)).toMatch(/^blocks\.0\.startTime: block 0 must start at 2025-06-18T16:00:00\.000Z/);

    const gap = copyOf(subject);
    gap.blocks[5] = { ...gap.blocks[5]!, endTime: '2025-06-18T05:30:00.000+08:00' };
    expect(reasonFor(subject, gap)).toBe('blocks.5.endTime: block 5 must last exactly one hour');
  });

  it('rejects an impossible date', () => {
    expect(reasonFor(subject, { ...copyOf(subject), date: '2025-02-30' })).toMatch(/^date: /);
  });
});

describe('capacity.compliance.failed', () => {
  const subject = Subjects.CapacityComplianceFailed;

  it('accepts an empty affected list and rejects an empty message', () => {
    expect(validateEvent(subject, 1, { ...copyOf(subject), affected: [] }).ok).toBe(true);
    expect(reasonFor(subject, { ...copyOf(subject), message: '' })).toMatch(/^message: Too small/);
  });
});

describe('planner.station-limits.planned', () => {
  const subject = Subjects.PlannerStationLimitsPlanned;

  it('rejects non-increasing periods', () => {
    const payload = copyOf(subject);
    payload.connectors[1]!.schedule.periods[2]!.startPeriodS = 46_860;
    expect(reasonFor(subject, payload)).toBe(
      "connectors.1.schedule.periods.2.startPeriodS: must be greater than the previous period's startPeriodS (46860)",
    );
  });

  it('rejects a first period that does not start at 0', () => {
    const payload = copyOf(subject);
    payload.connectors[0]!.schedule.periods[0]!.startPeriodS = 60;
    expect(reasonFor(subject, payload)).toBe('connectors.0.schedule.periods.0.startPeriodS: the first period must start at 0');
  });

  it('rejects a negative limit, a bad phase count, a duplicate connector and a bad plan id', () => {
    const negative = copyOf(subject);
    negative.connectors[0]!.schedule.periods[1]!.limit = -6;
    expect(reasonFor(subject, negative)).toBe('connectors.0.schedule.periods.1.limit: Too small: expected number to be >=0');

    const phases = copyOf(subject);
    Object.assign(phases.connectors[0]!.schedule.periods[0]!, { numberPhases: 4 });
    expect(reasonFor(subject, phases)).toMatch(/^connectors\.0\.schedule\.periods\.0\.numberPhases: /);

    const duplicate = copyOf(subject);
    duplicate.connectors[1]!.connectorId = 0;
    expect(reasonFor(subject, duplicate)).toBe('connectors.1.connectorId: connector 0 appears more than once');

    expect(reasonFor(subject, { ...copyOf(subject), planId: 'plan-1' })).toMatch(/^planId: Invalid UUID/);
  });

  it('rejects validUntil before effectiveFrom and an empty connector list', () => {
    expect(reasonFor(subject, { ...copyOf(subject), validUntil: '2025-06-17T00:00:00Z' })).toBe(
      'validUntil: validUntil must be after effectiveFrom',
    );
    expect(reasonFor(subject, { ...copyOf(subject), connectors: [] })).toMatch(/^connectors: Too small/);
  });
});

describe('ocpp events', () => {
  it('rejects negative energy and a transaction on connector 0', () => {
    expect(reasonFor(Subjects.OcppTransactionStarted, { ...copyOf(Subjects.OcppTransactionStarted), meterStartWh: -5 })).toBe(
      'meterStartWh: Too small: expected number to be >=0',
    );
    expect(reasonFor(Subjects.OcppTransactionStarted, { ...copyOf(Subjects.OcppTransactionStarted), connectorId: 0 })).toMatch(
      /^connectorId: Too small/,
    );
  });

  it('ocpp.transaction.started: the authorization reference is optional within version 1 (ocpp before it sends none) and never empty', () => {
    const subject = Subjects.OcppTransactionStarted;
    const fromOlderOcpp = copyOf(subject);
    expect(fromOlderOcpp).not.toHaveProperty('authorizationReference');
    expect(validateEvent(subject, 1, fromOlderOcpp)).toEqual({ ok: true, value: fromOlderOcpp });
    const roaming = { ...copyOf(subject), authorizationReference: 'a1f3c9d27e5b' };
    expect(validateEvent(subject, 1, roaming)).toEqual({ ok: true, value: roaming });
    expect(reasonFor(subject, { ...copyOf(subject), authorizationReference: '' })).toMatch(/^authorizationReference: Too small/);
    expect(reasonFor(subject, { ...copyOf(subject), authorizationReference: 42 })).toMatch(/^authorizationReference: Invalid input/);
  });

  it('ocpp.transaction.started: the idTag is optional within version 1 (a free-vend start has none) and never empty', () => {
    const subject = Subjects.OcppTransactionStarted;
    const { idTag, ...freeVend } = copyOf(subject);
    expect(idTag).toBeTruthy();
    expect(validateEvent(subject, 1, freeVend)).toEqual({ ok: true, value: freeVend });
    expect(validateEvent(subject, 1, copyOf(subject))).toEqual({ ok: true, value: copyOf(subject) });
    expect(reasonFor(subject, { ...freeVend, idTag: '' })).toMatch(/^idTag: Too small/);
    expect(reasonFor(subject, { ...freeVend, idTag: null })).toMatch(/^idTag: Invalid input/);
  });

  it("ocpp.transaction.started: the idTagStatus ocpp answered is optional within version 1 (ocpp before it sends none) and one of OCPP 1.6's AuthorizationStatus values", () => {
    const subject = Subjects.OcppTransactionStarted;
    const { idTagStatus, ...fromOlderOcpp } = copyOf(subject);
    expect(idTagStatus).toBe('Accepted');
    expect(validateEvent(subject, 1, fromOlderOcpp)).toEqual({ ok: true, value: fromOlderOcpp });
    for (const status of ['Accepted', 'Blocked', 'Expired', 'Invalid', 'ConcurrentTx'] as const) {
      const refusedOrNot = { ...copyOf(subject), idTagStatus: status };
      expect(validateEvent(subject, 1, refusedOrNot)).toEqual({ ok: true, value: refusedOrNot });
    }
    expect(reasonFor(subject, { ...fromOlderOcpp, idTagStatus: 'Rejected' })).toMatch(/^idTagStatus: Invalid option/);
    expect(reasonFor(subject, { ...fromOlderOcpp, idTagStatus: 'accepted' })).toMatch(/^idTagStatus: Invalid option/);
    expect(reasonFor(subject, { ...fromOlderOcpp, idTagStatus: null })).toMatch(/^idTagStatus: Invalid option/);
  });

  it("ocpp.transaction.stopped: ocpp's settled energyWh is optional within version 1 (ocpp before it sends none), a non-negative integer", () => {
    const subject = Subjects.OcppTransactionStopped;
    const { energyWh, ...fromOlderOcpp } = copyOf(subject);
    expect(energyWh).toBe(17_680);
    expect(validateEvent(subject, 1, fromOlderOcpp)).toEqual({ ok: true, value: fromOlderOcpp });
    // A restarted meter: the stop register is below the start, ocpp counts it from zero.
    const restarted = { ...copyOf(subject), meterStopWh: 4_200, energyWh: 4_200 };
    expect(validateEvent(subject, 1, restarted)).toEqual({ ok: true, value: restarted });
    expect(validateEvent(subject, 1, { ...copyOf(subject), energyWh: 0 }).ok).toBe(true);
    expect(reasonFor(subject, { ...fromOlderOcpp, energyWh: -1 })).toMatch(/^energyWh: Too small/);
    expect(reasonFor(subject, { ...fromOlderOcpp, energyWh: 1.5 })).toMatch(/^energyWh: Invalid input: expected int/);
    expect(reasonFor(subject, { ...fromOlderOcpp, energyWh: '17680' })).toMatch(/^energyWh: Invalid input/);
  });

  it('rejects values outside the OCPP 1.6 enumerations', () => {
    expect(reasonFor(Subjects.OcppConnectorStatus, { ...copyOf(Subjects.OcppConnectorStatus), status: 'Occupied' })).toMatch(
      /^status: Invalid option/,
    );
    const meter = copyOf(Subjects.OcppMeterSampled);
    meter.samples[0] = { ...meter.samples[0]!, unit: 'Wh/h' as never };
    expect(reasonFor(Subjects.OcppMeterSampled, meter)).toMatch(/^samples\.0\.unit: Invalid option/);
  });

  it('rejects a meter value left as the charger sent it (a string)', () => {
    const meter = copyOf(Subjects.OcppMeterSampled);
    Object.assign(meter.samples[1]!, { value: '14080' });
    expect(reasonFor(Subjects.OcppMeterSampled, meter)).toBe(
      'samples.1.value: Invalid input: expected number, received string',
    );
  });
});

describe('rems.measurement.decoded', () => {
  const subject = Subjects.RemsMeasurementDecoded;

  it('accepts null power and energy for frames without them', () => {
    expect(validateEvent(subject, 1, { ...copyOf(subject), powerW: null, cumulativeWh: null }).ok).toBe(true);
  });

  it('rejects a missing power field, negative power and non-numeric values', () => {
    const { powerW: _omitted, ...withoutPower } = copyOf(subject);
    expect(reasonFor(subject, withoutPower)).toMatch(/^powerW: Invalid input/);
    expect(reasonFor(subject, { ...copyOf(subject), powerW: -10 })).toBe('powerW: Too small: expected number to be >=0');
    expect(reasonFor(subject, { ...copyOf(subject), values: { frequencyHz: '60' } })).toMatch(/^values\.frequencyHz: /);
  });
});

describe('ocpi events', () => {
  it('rejects an unknown command type and result', () => {
    expect(reasonFor(Subjects.OcpiCommandRequested, { ...copyOf(Subjects.OcpiCommandRequested), type: 'REBOOT' })).toMatch(
      /^type: Invalid option/,
    );
    expect(reasonFor(Subjects.OcpiCommandResult, { ...copyOf(Subjects.OcpiCommandResult), result: 'UNKNOWN_SESSION' })).toMatch(
      /^result: Invalid option/,
    );
  });

  it('ocpi.command.requested: the requester is optional within version 1 (hubs before it send none) and must be a party', () => {
    const subject = Subjects.OcpiCommandRequested;
    const { requester: _omitted, ...fromOlderHub } = copyOf(subject);
    expect(validateEvent(subject, 1, fromOlderHub)).toEqual({ ok: true, value: fromOlderHub });
    expect(validateEvent(subject, 1, { ...copyOf(subject), requester: { countryCode: 'nl', partyId: 'abc' } }).ok).toBe(true);
    expect(reasonFor(subject, { ...copyOf(subject), requester: { countryCode: 'NLD', partyId: 'ABC' } })).toBe('requester.countryCode: two letters');
    expect(reasonFor(subject, { ...copyOf(subject), requester: { countryCode: 'NL' } })).toMatch(/^requester\.partyId: Invalid input/);
    expect(reasonFor(subject, { ...copyOf(subject), requester: { countryCode: 'NL', partyId: 'ABC', role: 'EMSP' } })).toBe('requester: Unrecognized key: "role"');
  });
});
