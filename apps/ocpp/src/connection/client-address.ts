import { BlockList, isIP } from 'node:net';

/**
 * One OCPP_TRUSTED_PROXIES entry (an address or a CIDR, IPv4 or IPv6) in canonical form, or
 * undefined when it is neither.
 */
export function proxyRange(entry: string): string | undefined {
  const [address = '', prefix, ...rest] = entry.trim().split('/');
  if (rest.length > 0) return undefined;
  const family = isIP(address);
  if (family === 0 || address.includes('%')) return undefined;
  const canonical = family === 6 ? canonicalV6(address) : address;
  if (prefix === undefined) return canonical;
  if (!/^\d{1,3}$/.test(prefix) || Number(prefix) > (family === 4 ? 32 : 128)) return undefined;
  return `${canonical}/${Number(prefix)}`;
}

/** The trusted proxies as a set to test addresses against (entries as `proxyRange` returns them; none by default). */
export function trustedProxies(ranges: readonly string[] = []): BlockList {
  const list = new BlockList();
  for (const range of ranges) {
    const [address = '', prefix] = range.split('/');
    const type = isIP(address) === 6 ? 'ipv6' : 'ipv4';
    if (prefix === undefined) list.addAddress(address, type);
    else list.addSubnet(address, Number(prefix), type);
  }
  return list;
}

/**
 * The address a connection comes from, for telling sources apart (password checks) and for the
 * log: the socket's peer unless it is a trusted proxy; then `X-Forwarded-For` read from the right,
 * skipping trusted proxies, to the first hop that is not one (each proxy appends the address it saw,
 * so only entries right of the first untrusted one were written by proxies we trust: anything left
 * of it is whatever the client sent). An entry that is not an address stops the walk at the last
 * trusted hop. IPv4-mapped IPv6 (`::ffff:10.0.0.1`, a dual-stack socket's form) reads as IPv4, so
 * one client has one address. Undefined when the socket has none (already closed).
 */
export function clientAddress(peer: string | undefined, forwardedFor: string | string[] | undefined, trusted: BlockList): string | undefined {
  if (peer === undefined) return undefined;
  const socket = hopAddress(peer);
  // A link-local peer with a zone (`fe80::1%eth0`) is kept as it is, and is no proxy.
  if (socket === undefined) return peer;
  if (!isTrusted(socket, trusted)) return socket;
  // Node joins repeated X-Forwarded-For headers with ", ": one list either way.
  const hops = (Array.isArray(forwardedFor) ? forwardedFor.join(',') : (forwardedFor ?? '')).split(',');
  let last = socket;
  for (let i = hops.length - 1; i >= 0; i--) {
    const entry = hops[i]!.trim();
    if (entry === '' && hops.length === 1) break;
    const hop = hopAddress(entry);
    if (hop === undefined) break;
    if (!isTrusted(hop, trusted)) return hop;
    last = hop;
  }
  return last;
}

function isTrusted(address: string, trusted: BlockList): boolean {
  return trusted.check(address, isIP(address) === 6 ? 'ipv6' : 'ipv4');
}

/** One hop's address in canonical form; some proxies add a port (`1.2.3.4:5678`, `[2001:db8::1]:443`). */
function hopAddress(entry: string): string | undefined {
  const bracketed = /^\[([^\]]+)\](?::\d{1,5})?$/.exec(entry)?.[1];
  const address = bracketed ?? /^(\d{1,3}(?:\.\d{1,3}){3}):\d{1,5}$/.exec(entry)?.[1] ?? entry;
  const family = isIP(address);
  if (family === 4 && bracketed === undefined) return address;
  if (family !== 6 || address.includes('%')) return undefined;
  const canonical = canonicalV6(address);
  return /^::ffff:\d+\.\d+\.\d+\.\d+$/.test(canonical) ? canonical.slice('::ffff:'.length) : canonical;
}

/** The WHATWG URL parser writes an IPv6 address in its one canonical form (RFC 5952). */
function canonicalV6(address: string): string {
  const host = new URL(`http://[${address}]/`).hostname.slice(1, -1);
  // It writes an IPv4-mapped address in hex (`::ffff:a00:1`): back to the dotted form sockets use.
  const mapped = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(host);
  if (!mapped) return host;
  const [hi, lo] = [parseInt(mapped[1]!, 16), parseInt(mapped[2]!, 16)];
  return `::ffff:${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`;
}

/**
 * The source password checks are counted by (stations/password-sources.ts): an IPv4 address as it
 * is, an IPv6 address by its /64, the smallest prefix a subscriber or a host's SLAAC gets: any one
 * of them holds 2^64 addresses, and counted one by one they let a single guesser fill a key's places
 * (MAX_SOURCES_PER_KEY) from one machine. '' (unknown) and anything else stay as they are.
 */
export function checkSource(address: string): string {
  if (isIP(address) !== 6 || address.includes('%')) return address;
  const groups = expandV6(canonicalV6(address));
  return groups ? `${groups.slice(0, 4).join(':')}::/64` : address;
}

/** The eight groups of a canonical IPv6 address (one with a dotted IPv4 tail: undefined). */
function expandV6(canonical: string): string[] | undefined {
  if (canonical.includes('.')) return undefined;
  const [head, tail] = canonical.split('::') as [string, string | undefined];
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  return [...left, ...Array<string>(8 - left.length - right.length).fill('0'), ...right];
}
