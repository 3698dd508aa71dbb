// Pure IP address classification for the source guard: which kind of network an address reaches.
// Addresses are numbers (IPv4: 32 bits, IPv6: 128 bits, both as bigint) so ranges are plain masks.
import net from 'node:net';

/**
 * What an address reaches. `link-local` includes the cloud metadata services (169.254.169.254);
 * `reserved` covers documentation, benchmarking and protocol-assignment ranges and class E.
 */
export type AddressCategory =
  | 'public'
  | 'loopback'
  | 'private'
  | 'cgnat'
  | 'ula'
  | 'reserved'
  | 'link-local'
  | 'multicast'
  | 'unspecified'
  | 'broadcast';

/** Refused whatever the policy, unless an admin allow-listed the address. */
export const ALWAYS_REFUSED: ReadonlySet<AddressCategory> = new Set([
  'link-local',
  'multicast',
  'unspecified',
  'broadcast',
]);

export interface IpAddress {
  readonly family: 4 | 6;
  readonly value: bigint;
}

interface Range {
  readonly family: 4 | 6;
  readonly base: bigint;
  readonly prefix: number;
}

/** Parses a literal IPv4 (dotted quad) or IPv6 address (a `%zone` suffix is ignored); null if not one. */
export function parseIp(text: string): IpAddress | null {
  const bare = text.startsWith('[') && text.endsWith(']') ? text.slice(1, -1) : text;
  const noZone = bare.split('%')[0] ?? '';
  const family = net.isIP(noZone);
  if (family === 4) {
    const value = noZone.split('.').reduce((acc, part) => (acc << 8n) | BigInt(Number(part)), 0n);
    return { family: 4, value };
  }
  if (family === 6) return { family: 6, value: parseIpv6(noZone) };
  return null;
}

function parseIpv6(text: string): bigint {
  // A dotted IPv4 tail (::ffff:1.2.3.4) becomes two hex groups.
  let s = text.toLowerCase();
  const tail = /(\d+\.\d+\.\d+\.\d+)$/.exec(s);
  if (tail?.[1] !== undefined) {
    const v4 = parseIp(tail[1])?.value ?? 0n;
    s = `${s.slice(0, tail.index)}${(v4 >> 16n).toString(16)}:${(v4 & 0xffffn).toString(16)}`;
  }
  const [head = '', rest] = s.split('::');
  const left = head === '' ? [] : head.split(':');
  const right = rest === undefined || rest === '' ? [] : rest.split(':');
  const groups =
    rest === undefined
      ? left
      : [...left, ...Array<string>(8 - left.length - right.length).fill('0'), ...right];
  return groups.reduce((acc, g) => (acc << 16n) | BigInt(parseInt(g, 16)), 0n);
}

/** Parses `a.b.c.d`, `a.b.c.d/n`, `x::y` or `x::y/n`; null when malformed. */
export function parseCidr(text: string): Range | null {
  const [addr = '', bits, extra] = text.trim().split('/');
  if (extra !== undefined) return null;
  const ip = parseIp(addr);
  if (!ip) return null;
  const max = ip.family === 4 ? 32 : 128;
  const prefix = bits === undefined ? max : /^\d{1,3}$/.test(bits) ? Number(bits) : NaN;
  if (!(prefix >= 0 && prefix <= max)) return null;
  return { family: ip.family, base: ip.value & mask(ip.family, prefix), prefix };
}

function mask(family: 4 | 6, prefix: number): bigint {
  const width = family === 4 ? 32n : 128n;
  const all = (1n << width) - 1n;
  return prefix === 0 ? 0n : all ^ ((1n << (width - BigInt(prefix))) - 1n);
}

function inRange(ip: IpAddress, r: Range): boolean {
  return ip.family === r.family && (ip.value & mask(r.family, r.prefix)) === r.base;
}

const cidr = (text: string): Range => {
  const r = parseCidr(text);
  if (!r) throw new Error(`bad built-in range ${text}`);
  return r;
};

/**
 * IPv6 forms that carry an IPv4 address and reach (or are routed towards) it: IPv4-mapped
 * (::ffff:a.b.c.d), IPv4-compatible (::a.b.c.d), NAT64 well-known (64:ff9b::/96) and 6to4 (2002::/16).
 * They are judged by that IPv4 address, so ::ffff:169.254.169.254 is link-local like the original.
 */
export function embeddedIpv4(ip: IpAddress): IpAddress | null {
  if (ip.family !== 6) return null;
  const low32 = ip.value & 0xffffffffn;
  if (inRange(ip, MAPPED) || inRange(ip, NAT64)) return { family: 4, value: low32 };
  // ::/96 minus :: and ::1 (those are the IPv6 unspecified and loopback addresses).
  if (inRange(ip, COMPAT) && ip.value > 1n) return { family: 4, value: low32 };
  if (inRange(ip, SIX_TO_FOUR)) return { family: 4, value: (ip.value >> 80n) & 0xffffffffn };
  return null;
}

const MAPPED = cidr('::ffff:0:0/96');
const NAT64 = cidr('64:ff9b::/96');
const COMPAT = cidr('::/96');
const SIX_TO_FOUR = cidr('2002::/16');

/** First match wins; anything unmatched is public. */
const TABLE: ReadonlyArray<readonly [Range, AddressCategory]> = [
  ['255.255.255.255/32', 'broadcast'],
  ['0.0.0.0/8', 'unspecified'],
  ['127.0.0.0/8', 'loopback'],
  ['10.0.0.0/8', 'private'],
  ['172.16.0.0/12', 'private'],
  ['192.168.0.0/16', 'private'],
  ['100.64.0.0/10', 'cgnat'],
  ['169.254.0.0/16', 'link-local'],
  ['224.0.0.0/4', 'multicast'],
  ['240.0.0.0/4', 'reserved'],
  ['192.0.0.0/24', 'reserved'],
  ['192.0.2.0/24', 'reserved'],
  ['198.18.0.0/15', 'reserved'],
  ['198.51.100.0/24', 'reserved'],
  ['203.0.113.0/24', 'reserved'],
  ['::/128', 'unspecified'],
  ['::1/128', 'loopback'],
  ['fe80::/10', 'link-local'],
  ['ff00::/8', 'multicast'],
  ['fc00::/7', 'ula'],
  ['fec0::/10', 'private'], // deprecated site-local: still a LAN
  ['64:ff9b:1::/48', 'private'], // local-use NAT64 (RFC 8215)
  ['100::/64', 'reserved'], // discard-only
  ['2001:db8::/32', 'reserved'], // documentation
  ['::/8', 'reserved'],
].map(([text, cat]) => [cidr(text as string), cat as AddressCategory] as const);

/** The category of a literal address; null when `text` is not an IP address. */
export function classifyAddress(text: string): AddressCategory | null {
  const ip = parseIp(text);
  if (!ip) return null;
  const judged = embeddedIpv4(ip) ?? ip;
  for (const [range, category] of TABLE) if (inRange(judged, range)) return category;
  return 'public';
}

/** A parsed allow-list (AIMA_SOURCE_ALLOW): CIDRs or single addresses. */
export interface AllowList {
  has(address: string): boolean;
}

/** Throws a plain Error naming the first malformed entry (config validation reports it). */
export function parseAllowList(entries: readonly string[]): AllowList {
  const ranges = entries
    .map((e) => e.trim())
    .filter((e) => e !== '')
    .map((e) => {
      const r = parseCidr(e);
      if (!r) throw new Error(`'${e}' is not an IP address or CIDR`);
      return r;
    });
  return {
    has(address) {
      const ip = parseIp(address);
      if (!ip) return false;
      // An IPv4 entry also allows that address in its IPv6 spellings (::ffff:a.b.c.d, NAT64).
      const v4 = embeddedIpv4(ip);
      return ranges.some((r) => inRange(ip, r) || (v4 !== null && inRange(v4, r)));
    },
  };
}
