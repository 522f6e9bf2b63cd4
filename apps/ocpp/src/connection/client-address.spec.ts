import { checkSource, clientAddress, proxyRange, trustedProxies } from './client-address.js';

const trusted = trustedProxies(['10.0.0.0/8', 'fd00::/8', '192.0.2.7']);
const none = trustedProxies([]);

describe('proxyRange (OCPP_TRUSTED_PROXIES entries)', () => {
  it('takes IPv4 and IPv6 addresses and CIDRs, canonical', () => {
    expect(proxyRange('10.0.0.0/8')).toBe('10.0.0.0/8');
    expect(proxyRange(' 192.0.2.7 ')).toBe('192.0.2.7');
    expect(proxyRange('FD00:0:0::/8')).toBe('fd00::/8');
    expect(proxyRange('::ffff:10.0.0.0/104')).toBe('::ffff:10.0.0.0/104');
    expect(proxyRange('2001:db8::1/128')).toBe('2001:db8::1/128');
  });

  it('refuses what is neither', () => {
    for (const bad of ['10.0.0.300', '10.0.0.0/33', 'fd00::/129', '10.0.0.0/', '10.0.0.0/8/8', 'localhost', '01.2.3.4', 'fe80::1%eth0', '10.0.0.0/x', '']) {
      expect([bad, proxyRange(bad)]).toEqual([bad, undefined]);
    }
  });
});

describe('clientAddress', () => {
  it('is the socket peer when it is no trusted proxy, whatever X-Forwarded-For claims', () => {
    expect(clientAddress('203.0.113.9', '198.51.100.1', trusted)).toBe('203.0.113.9');
    expect(clientAddress('10.1.2.3', '198.51.100.1', none)).toBe('10.1.2.3');
    expect(clientAddress('203.0.113.9', undefined, trusted)).toBe('203.0.113.9');
  });

  it('behind trusted proxies, is the rightmost hop that is not one (a spoofed left part is ignored)', () => {
    expect(clientAddress('10.0.0.5', '198.51.100.1', trusted)).toBe('198.51.100.1');
    expect(clientAddress('10.0.0.5', '1.1.1.1, 198.51.100.1, 192.0.2.7, 10.9.9.9', trusted)).toBe('198.51.100.1');
    expect(clientAddress('10.0.0.5', ['1.1.1.1, 198.51.100.1', '10.9.9.9'], trusted)).toBe('198.51.100.1');
    expect(clientAddress('10.0.0.5', '198.51.100.1:51234', trusted)).toBe('198.51.100.1');
  });

  it('a trusted peer without X-Forwarded-For, or with only trusted hops, is the last trusted hop', () => {
    expect(clientAddress('10.0.0.5', undefined, trusted)).toBe('10.0.0.5');
    expect(clientAddress('10.0.0.5', '10.0.0.6, 10.0.0.7', trusted)).toBe('10.0.0.6');
  });

  it('stops at a malformed entry and takes the last trusted hop', () => {
    expect(clientAddress('10.0.0.5', '198.51.100.1, not-an-ip, 10.0.0.6', trusted)).toBe('10.0.0.6');
    expect(clientAddress('10.0.0.5', 'unknown', trusted)).toBe('10.0.0.5');
    expect(clientAddress('10.0.0.5', '198.51.100.1, , 10.0.0.6', trusted)).toBe('10.0.0.6');
  });

  it('reads IPv6, canonical, with or without brackets and port', () => {
    expect(clientAddress('fd00::1', '2001:DB8:0::7', trusted)).toBe('2001:db8::7');
    expect(clientAddress('fd00::1', '[2001:db8::7]:443, fd00::2', trusted)).toBe('2001:db8::7');
    expect(clientAddress('2001:db8::9', '198.51.100.1', trusted)).toBe('2001:db8::9');
  });

  it('reads an IPv4-mapped IPv6 address as IPv4, trusted as its IPv4 range', () => {
    expect(clientAddress('::ffff:10.0.0.1', '198.51.100.1', trusted)).toBe('198.51.100.1');
    expect(clientAddress('::ffff:203.0.113.9', '198.51.100.1', trusted)).toBe('203.0.113.9');
    expect(clientAddress('10.0.0.5', '::ffff:c633:6401', trusted)).toBe('198.51.100.1');
    expect(clientAddress('::ffff:10.0.0.1', undefined, none)).toBe('10.0.0.1');
  });

  it('keeps a zoned link-local peer as it is, and has none for a closed socket', () => {
    expect(clientAddress('fe80::1%eth0', '198.51.100.1', trusted)).toBe('fe80::1%eth0');
    expect(clientAddress(undefined, '198.51.100.1', trusted)).toBeUndefined();
  });
});

describe('checkSource', () => {
  it('counts an IPv6 address by its /64, an IPv4 address and the unknown source as they are', () => {
    expect(checkSource('2001:db8:1:2::a')).toBe('2001:db8:1:2::/64');
    expect(checkSource('2001:0DB8:0001:0002:ffff:0:0:b')).toBe('2001:db8:1:2::/64');
    expect(checkSource('::1')).toBe('0:0:0:0::/64');
    expect(checkSource('fe80::1%eth0')).toBe('fe80::1%eth0');
    expect(checkSource('203.0.113.7')).toBe('203.0.113.7');
    expect(checkSource('')).toBe('');
  });
});
