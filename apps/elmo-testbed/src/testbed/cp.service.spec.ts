import { buildRegister, taipeiDayHours, formatTaipei } from '@cpo/oscp-protocol';
import { pino } from 'pino';
import type { TestbedConfig } from '../config.js';
import { CpService, type CpRequest } from './cp.service.js';
import type { FpCaller } from './fp-caller.js';
import { dayAheadBlocks } from './negotiation.js';
import { TestbedStore } from './testbed.store.js';

const config = { ELMO_TESTBED_ALLOW_HTTP: false, ELMO_TESTBED_REGISTER_MODE: 'testbed', ELMO_TESTBED_BASE_URL: '/oscp/2.0' } as TestbedConfig;
const headers = (over: Record<string, string | undefined> = {}) => ({ authorization: 'Token T0', 'x-request-id': 'R1', ...over });

function setup() {
  const store = new TestbedStore('T0', ['G']);
  store.clock.set('2024-10-01T03:00:00.000Z'); // 11:00 Taipei
  const calls: unknown[] = [];
  const caller = { call: async (...args: unknown[]) => (calls.push(args), { request_id: 'x', callback_status: 204, sent_body: {} }) } as unknown as FpCaller;
  const cp = new CpService(store, caller, config, pino({ level: 'silent' }));
  const send = (action: string, body: unknown, h: Record<string, string | undefined> = headers(), method: CpRequest['method'] = 'POST') => cp.handle({ method, action, headers: h, body });
  return { store, send, calls };
}

const measurements = { group_id: 'G', measurements: [{ value: 1, phase: 'ALL', unit: 'KWH', direction: 'IMPORT', measure_time: '2024-10-01T11:00:00.000+08:00' }] };

describe('testbed CP endpoints apply ELMO checks in ELMO order', () => {
  it('checks request id, then authorization, then token, then connection', () => {
    const { send } = setup();
    expect(send('update_group_measurements', measurements, { authorization: 'Token T0' })).toMatchObject({ status: 403, message: 'missing X-Request-ID' });
    expect(send('update_group_measurements', measurements, { 'x-request-id': 'R' })).toMatchObject({ status: 401 });
    expect(send('update_group_measurements', measurements, headers({ authorization: 'Bearer T0' }))).toMatchObject({ status: 403 });
    expect(send('update_group_measurements', measurements, headers({ authorization: 'Token nope' }))).toMatchObject({ status: 403, message: 'unknown token' });
    expect(send('update_group_measurements', measurements)).toMatchObject({ status: 403, message: 'not connected' });
  });

  it('accepts our Register with one https version_url and refuses ports and lists', () => {
    const { send, store, calls } = setup();
    expect(send('register', buildRegister('FP', 'https://csms.example.com:8443/oscp/fp/2.0'))).toMatchObject({ status: 400 });
    expect(send('register', { token: 'FP', version_url: [{ version: '2.0', base_url: 'https://a.example.com' }, { version: '2.1', base_url: 'https://a.example.com' }] })).toMatchObject({ status: 400 });
    expect(send('register', buildRegister('FP', 'https://csms.example.com/oscp/fp/2.0'))).toEqual({ status: 204 });
    expect([store.fpToken, store.fpBaseUrl]).toEqual(['FP', 'https://csms.example.com/oscp/fp/2.0']);
    expect(calls).toEqual([]); // testbed mode sends nothing until triggered
  });

  it('requires X-Correlation-ID on the acknowledge, which connects', () => {
    const { send, store } = setup();
    expect(send('handshake_acknowledge', {})).toMatchObject({ status: 400, message: 'missing X-Correlation-ID' });
    expect(send('handshake_acknowledge', {}, headers({ 'x-correlation-id': 'HS' }))).toEqual({ status: 204 });
    expect(store.connected).toBe(true);
  });

  it('answers adjusts 404 without a negotiation, 204 once while negotiating, then 400', () => {
    const { send, store } = setup();
    store.connected = true;
    const adjust = { group_id: 'G', type: 'CONSUMPTION', forecasted_blocks: dayAheadBlocks('2024-10-02', 150.4) };
    expect(send('adjust_group_capacity_forecast', adjust)).toMatchObject({ status: 404 });
    store.negotiations.set(store.negotiationKey('G', '2024-10-02'), { groupId: 'G', day: '2024-10-02', state: 'NEGOTIATING', assignedKw: null, requestedKw: null });
    expect(send('adjust_group_capacity_forecast', { ...adjust, forecasted_blocks: adjust.forecasted_blocks.slice(1) })).toMatchObject({ status: 400 });
    expect(send('adjust_group_capacity_forecast', adjust)).toEqual({ status: 204 });
    expect(store.adjusts[0].hourlyKw).toEqual(new Array(24).fill(150));
    expect(send('adjust_group_capacity_forecast', adjust)).toMatchObject({ status: 400 });
  });

  it('stores measurements for known groups only, and never an empty list', () => {
    const { send, store } = setup();
    store.connected = true;
    expect(send('update_group_measurements', { ...measurements, measurements: [] })).toMatchObject({ status: 400 });
    expect(send('update_group_measurements', { ...measurements, group_id: 'X' })).toMatchObject({ status: 400, message: 'unknown group_id X' });
    expect(send('update_group_measurements', measurements)).toEqual({ status: 204 });
    expect(store.measurements.get('G')).toHaveLength(1);
  });

  it('requires X-Correlation-ID and a message on compliance errors', () => {
    const { send, store } = setup();
    store.connected = true;
    const hour = taipeiDayHours('2024-10-01')[12];
    const body = { message: 'cannot', forecasted_blocks: [{ capacity: 1, phase: 'ALL', unit: 'KW', start_time: formatTaipei(hour.startMs), end_time: formatTaipei(hour.endMs) }] };
    expect(send('group_capacity_compliance_error', body)).toMatchObject({ status: 400 });
    expect(send('group_capacity_compliance_error', { message: '' }, headers({ 'x-correlation-id': 'F' }))).toMatchObject({ status: 400 });
    expect(send('group_capacity_compliance_error', body, headers({ 'x-correlation-id': 'F' }))).toEqual({ status: 204 });
  });
});
