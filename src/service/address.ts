/**
 * Client addresses: CIDR allowlists (IPv4 and IPv6) and the client behind a trusted proxy.
 */
import { BlockList, isIP } from 'node:net';

/** A set of addresses given as CIDR ranges or single addresses. */
export interface AddressSet {
  has(address: string): boolean;
}

/** An IPv4 address written as IPv6 (`::ffff:10.0.0.1`) is the IPv4 address. */
export function normalizeAddress(address: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  return mapped ? (mapped[1] as string) : address;
}

/** Parse CIDR ranges (`10.0.0.0/8`, `2001:db8::/32`) or single addresses; throws on a bad one. */
export function addressSet(ranges: readonly string[]): AddressSet {
  const list = new BlockList();
  for (const range of ranges) {
    const [address = '', prefix, extra] = range.trim().split('/');
    const family = isIP(address);
    const bits = prefix === undefined ? (family === 6 ? 128 : 32) : Number(prefix);
    if (
      family === 0 ||
      extra !== undefined ||
      !Number.isInteger(bits) ||
      bits < 0 ||
      bits > (family === 6 ? 128 : 32)
    ) {
      throw new Error(`"${range}" is not an IP address or CIDR range (e.g. 203.0.113.0/24, 2001:db8::/32)`);
    }
    list.addSubnet(address, bits, family === 6 ? 'ipv6' : 'ipv4');
  }
  return {
    has(raw) {
      const address = normalizeAddress(raw);
      const family = isIP(address);
      return family !== 0 && list.check(address, family === 6 ? 'ipv6' : 'ipv4');
    },
  };
}

const LOOPBACK = addressSet(['127.0.0.0/8', '::1/128']);

/** Whether an address is the machine's own (loopback). */
export function isLoopback(address: string | undefined): boolean {
  return address !== undefined && LOOPBACK.has(address);
}

/**
 * The client's address: the peer's, unless the peer is a trusted proxy; then the nearest
 * address in `X-Forwarded-For` that is not itself a trusted proxy. The header is read only
 * from a trusted proxy: anyone else could write anything in it.
 */
export function clientAddress(
  peer: string | undefined,
  forwardedFor: string | null,
  trusted: AddressSet | undefined,
): string | undefined {
  if (peer === undefined) return undefined;
  const direct = normalizeAddress(peer);
  if (trusted === undefined || !trusted.has(direct) || forwardedFor === null) return direct;
  const hops = forwardedFor
    .split(',')
    .map((hop) => normalizeAddress(hop.trim()))
    .filter((hop) => hop.length > 0);
  for (let i = hops.length - 1; i >= 0; i--) {
    const hop = hops[i] as string;
    if (isIP(hop) === 0) return undefined;
    if (!trusted.has(hop)) return hop;
  }
  return hops[0] ?? direct;
}
