import { CS_ACTIONS_16, schemas16 } from '@cpo/ocpp-protocol';
import { commandRuleViolations } from './command-rules.js';
import { DECIMAL_MAGNITUDE_MAX } from './payload-values.js';

const paths = (action: string, payload: Record<string, unknown>) => commandRuleViolations(action, payload).map((v) => v.path);
const INT32 = { min: -(2 ** 31), max: 2 ** 31 - 1 };

const profile = (extra: Record<string, unknown> = {}, period: Record<string, unknown> = {}) => ({
  chargingProfileId: 5,
  stackLevel: 5,
  chargingProfilePurpose: 'TxDefaultProfile',
  chargingProfileKind: 'Relative',
  chargingSchedule: { chargingRateUnit: 'A', chargingSchedulePeriod: [{ startPeriod: 0, limit: 6, ...period }] },
  ...extra,
});

describe('commandRuleViolations: what the charger takes but neither its types nor our storage hold', () => {
  it('every integer of every CS→CP payload is 32-bit, nested ones too (H5 #2: a profile id of 2^31 was installed, never recorded)', () => {
    expect(paths('SetChargingProfile', { connectorId: 0, csChargingProfiles: profile({ chargingProfileId: INT32.max }) })).toEqual([]);
    expect(paths('SetChargingProfile', { connectorId: 0, csChargingProfiles: profile({ chargingProfileId: 2 ** 31 }) })).toEqual(['/csChargingProfiles/chargingProfileId']);
    expect(paths('ClearChargingProfile', { id: 2 ** 31, connectorId: 2 ** 31, stackLevel: INT32.min - 1 })).toEqual(['/id', '/connectorId', '/stackLevel']);
    expect(paths('ClearChargingProfile', { id: INT32.min, connectorId: 0, stackLevel: 0 })).toEqual([]);
    expect(paths('ChangeAvailability', { connectorId: 99_999_999_999, type: 'Operative' })).toEqual(['/connectorId']);
    expect(paths('RemoteStopTransaction', { transactionId: 1e20 })).toEqual(['/transactionId']);
    expect(paths('GetCompositeSchedule', { connectorId: 0, duration: 1e12 })).toEqual(['/duration']);
    expect(paths('GetDiagnostics', { location: 'ftp://x', retries: 2 ** 31 })).toEqual(['/retries']);
    expect(paths('GetLog', { logType: 'DiagnosticsLog', requestId: 2 ** 31, log: { remoteLocation: 'ftp://x' } })).toEqual(['/requestId']);
    const deep = profile({ transactionId: 2 ** 31 }, { startPeriod: 0, numberPhases: 2 ** 40 });
    expect(paths('RemoteStartTransaction', { idTag: 'A', connectorId: 1, chargingProfile: { ...deep, chargingProfilePurpose: 'TxProfile' } })).toEqual([
      '/chargingProfile/transactionId',
      '/chargingProfile/chargingSchedule/chargingSchedulePeriod/0/numberPhases',
      '/chargingProfile/transactionId', // and the guide's own rule: none in a remote start
    ]);
    const [first] = commandRuleViolations('RemoteStopTransaction', { transactionId: 1e20 });
    expect(first).toEqual({ path: '/transactionId', keyword: 'rule', message: `must be a 32-bit integer (${INT32.min} to ${INT32.max})`, params: INT32 });
  });

  it('covers every integer field the OCA schemas of the CS→CP actions define (walked from them, no list to keep)', () => {
    interface Node {
      type?: string;
      properties?: Record<string, Node>;
      items?: Node;
      $ref?: string;
      definitions?: Record<string, Node>;
    }
    const integers: string[] = [];
    const collect = (node: Node | undefined, root: Node, at: string): void => {
      const n = node?.$ref ? root.definitions?.[node.$ref.split('/').pop()!] : node;
      if (n?.type === 'integer') integers.push(at);
      for (const [k, child] of Object.entries(n?.properties ?? {})) collect(child, root, `${at}/${k}`);
      if (n?.items) collect(n.items, root, `${at}/0`);
    };
    const schemas = schemas16 as unknown as Record<string, Node>;
    for (const action of CS_ACTIONS_16) collect(schemas[action], schemas[action]!, action);
    expect(integers.length).toBeGreaterThan(20);
    // A payload with 2^31 in each of them, one field at a time: each is refused at its own path.
    for (const where of integers) {
      const [action, ...keys] = where.split('/');
      const payload: Record<string, unknown> = {};
      let cursor = payload as Record<string, unknown>;
      keys.forEach((key, i) => {
        const next = i === keys.length - 1 ? 2 ** 31 : keys[i + 1] === '0' ? [] : {};
        cursor[key] = next;
        cursor = next as Record<string, unknown>;
      });
      expect([where, paths(action!, payload).includes(`/${keys.join('/')}`)]).toEqual([where, true]);
    }
  });

  it('decimals (a limit, minChargingRate) within ±1e9: 1e300 is no charging rate', () => {
    const set = (period: Record<string, unknown>, schedule: Record<string, unknown> = {}) => {
      const p = profile({}, period);
      return paths('SetChargingProfile', { connectorId: 0, csChargingProfiles: { ...p, chargingSchedule: { ...p.chargingSchedule, ...schedule } } });
    };
    expect(set({ limit: 3_750_000 })).toEqual([]);
    expect(set({ limit: DECIMAL_MAGNITUDE_MAX })).toEqual([]);
    expect(set({ limit: 1e300 })).toEqual(['/csChargingProfiles/chargingSchedule/chargingSchedulePeriod/0/limit']);
    expect(set({ limit: 6 }, { minChargingRate: 1e10 })).toEqual(['/csChargingProfiles/chargingSchedule/minChargingRate']);
  });

  it('no string with a NUL (PostgreSQL text holds none) or an unpaired surrogate, anywhere in any payload (H5 #2)', () => {
    const list = (idTag: string) => ({ listVersion: 12, updateType: 'Differential', localAuthorizationList: [{ idTag: 'OK' }, { idTag, idTagInfo: { status: 'Accepted' } }] });
    expect(paths('SendLocalList', list('A\u0000B'))).toEqual(['/localAuthorizationList/1/idTag']);
    expect(paths('SendLocalList', list('A\uD800B'))).toEqual(['/localAuthorizationList/1/idTag']);
    expect(paths('SendLocalList', list('A\uD83D\uDE00B'))).toEqual([]); // a pair is a character
    expect(paths('ChangeConfiguration', { key: 'HeartbeatInterval', value: '60\u0000' })).toEqual(['/value']);
    expect(paths('RemoteStartTransaction', { idTag: 'A\u0000B', connectorId: 2 })).toEqual(['/idTag']);
    expect(paths('ReserveNow', { connectorId: 1, idTag: 'A', parentIdTag: '\u0000', reservationId: 1 })).toEqual(['/parentIdTag']);
    expect(paths('DataTransfer', { vendorId: 'V', data: 'x\u0000' })).toEqual(['/data']);
    expect(commandRuleViolations('ChangeConfiguration', { key: 'K', value: '\u0000' })[0]).toMatchObject({ keyword: 'rule', message: expect.stringContaining('NUL') });
    // A name, too: shown escaped in the path.
    expect(paths('DataTransfer', { vendorId: 'V', ['k\u0000']: 'x' })).toEqual(['/k\\u0000']);
  });
});
