import { BlockList, isIP } from 'node:net';

/**
 * Addresses a webhook must never reach (SSRF): a receiver URL is the client's
 * to choose, so it could point at the gateway's own network. Loopback,
 * private (RFC 1918, unique local), link-local (and the old site-local),
 * carrier-grade NAT, unspecified, multicast, discard and reserved ranges,
 * the IPv6 forms that embed an IPv4 address, and the cloud metadata
 * addresses (169.254.169.254, fd00:ec2::254) are refused, on the address a
 * name resolves to, not on the name.
 */
const FORBIDDEN = new BlockList();
for (const [network, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.0.2.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const) {
  FORBIDDEN.addSubnet(network, prefix, 'ipv4');
}
// Besides the plain ranges, the IPv6 forms that carry an IPv4 address a receiver could hide a
// private one in: IPv4-compatible (::a.b.c.d), IPv4-translated (::ffff:0:a.b.c.d), NAT64
// (well-known and local-use), 6to4 and Teredo.
// (IPv4-mapped ::ffff:a.b.c.d, in either notation, BlockList checks against the IPv4 ranges.)
for (const [network, prefix] of [
  ['::', 96],
  ['::1', 128],
  ['100::', 64],
  ['fc00::', 7],
  ['fe80::', 10],
  ['fec0::', 10],
  ['ff00::', 8],
  ['2001::', 32],
  ['2001:db8::', 32],
  ['2002::', 16],
  ['64:ff9b::', 96],
  ['64:ff9b:1::', 48],
  ['::ffff:0:0:0', 96],
] as const) {
  FORBIDDEN.addSubnet(network, prefix, 'ipv6');
}

/** Why `address` may not be reached, or undefined when it may. `allowed` holds addresses an operator allowlisted. */
export function forbiddenAddress(address: string, allowed: ReadonlySet<string> = new Set()): string | undefined {
  if (allowed.has(address)) return undefined;
  const family = isIP(address);
  if (family === 0) return 'is not an IP address';
  // An IPv4 address written as IPv6 (::ffff:10.0.0.1) is the IPv4 address.
  const mapped = family === 6 ? /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address)?.[1] : undefined;
  if (mapped) return forbiddenAddress(mapped, allowed);
  if (FORBIDDEN.check(address, family === 4 ? 'ipv4' : 'ipv6')) {
    return address === '169.254.169.254' || address.toLowerCase() === 'fd00:ec2::254'
      ? 'is a cloud metadata address'
      : 'is a private, loopback, link-local or reserved address';
  }
  return undefined;
}
