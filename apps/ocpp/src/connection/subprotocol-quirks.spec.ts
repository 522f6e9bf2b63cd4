import { aliasProblem, negotiate, spokenVersion } from './subprotocol-quirks.js';

const none = { subprotocolAliases: {}, missingSubprotocol: null };
const quirky = { subprotocolAliases: { 'ocpp1.6.0': 'ocpp1.6', OCPP16J: 'ocpp1.6' }, missingSubprotocol: 'ocpp1.6' };
const pref = ['ocpp1.6'];

describe('subprotocol quirks', () => {
  it('prefers a standard name, echoes a known alias as offered, refuses the rest', () => {
    expect(negotiate(new Set(['ocpp1.6.0', 'ocpp1.6']), pref, quirky)).toBe('ocpp1.6');
    expect(negotiate(new Set(['ocpp1.6.0']), pref, quirky)).toBe('ocpp1.6.0');
    expect(negotiate(new Set(['ocpp1.6.0']), pref, none)).toBe(false);
    expect(negotiate(new Set(['ocpp1.6.0']), pref, undefined)).toBe(false);
    expect(negotiate(new Set(['ocpp1.6j']), pref, quirky)).toBe(false); // aliases are exact, as names are
    // An alias for a version this deployment does not offer (OCPP_SUBPROTOCOLS) does not count.
    expect(negotiate(new Set(['ocpp1.6.0']), [], quirky)).toBe(false);
  });

  it('maps what was echoed, or a missing header where allowed, to the version spoken', () => {
    expect(spokenVersion('ocpp1.6', true, none, pref)).toBe('ocpp1.6');
    expect(spokenVersion('OCPP16J', true, quirky, pref)).toBe('ocpp1.6');
    expect(spokenVersion('', false, quirky, pref)).toBe('ocpp1.6');
    expect(spokenVersion('', false, none, pref)).toBeUndefined();
    expect(spokenVersion('', true, quirky, pref)).toBeUndefined(); // offered something we refused: no fallback
  });

  it('accepts only token names standing for an implemented version', () => {
    expect(aliasProblem({ 'ocpp1.6.0': 'ocpp1.6' })).toBeUndefined();
    expect(aliasProblem({ 'ocpp 1.6': 'ocpp1.6' })).toMatch(/not a subprotocol name/);
    expect(aliasProblem({ 'ocpp1.6': 'ocpp1.6' })).toMatch(/standard name/);
    expect(aliasProblem({ 'ocpp2.0.1x': 'ocpp2.0.1' })).toMatch(/must stand for one of ocpp1.6/);
    expect(aliasProblem(Object.fromEntries(Array.from({ length: 9 }, (_, i) => [`a${i}`, 'ocpp1.6'])))).toMatch(/at most 8/);
  });
});
