/**
 * IPv4 / IPv6 addresses and CIDR blocks for `IpAddress` / `NotIpAddress`, parsed by hand so
 * the engine stays free of I/O-capable modules.
 *
 * @see https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html#Conditions_IPAddress
 */

export interface CidrBlock {
  readonly bytes: Uint8Array;
  readonly prefix: number;
}

const IPV4_OCTET = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$/;
const IPV6_GROUP = /^[0-9a-fA-F]{1,4}$/;

function parseIpv4(text: string): Uint8Array | undefined {
  const octets = text.split('.');
  if (octets.length !== 4) return undefined;
  const bytes = new Uint8Array(4);
  for (let i = 0; i < 4; i++) {
    const octet = octets[i] as string;
    if (!IPV4_OCTET.test(octet)) return undefined;
    bytes[i] = Number(octet);
  }
  return bytes;
}

function parseIpv6(text: string): Uint8Array | undefined {
  let head = text;
  let tail: Uint8Array | undefined;
  // An embedded IPv4 tail (::ffff:192.0.2.1) stands for the last two groups.
  const lastColon = text.lastIndexOf(':');
  if (text.includes('.', lastColon)) {
    tail = parseIpv4(text.slice(lastColon + 1));
    if (tail === undefined) return undefined;
    head = text.slice(0, lastColon + 1);
    if (!head.endsWith('::')) head = head.slice(0, -1);
  }
  const groupCount = tail === undefined ? 8 : 6;
  const halves = head.split('::');
  if (halves.length > 2) return undefined;
  const split = (half: string): string[] => (half === '' ? [] : half.split(':'));
  let groups: string[];
  if (halves.length === 2) {
    const left = split(halves[0] as string);
    const right = split(halves[1] as string);
    const missing = groupCount - left.length - right.length;
    if (missing < 1) return undefined;
    groups = [...left, ...Array<string>(missing).fill('0'), ...right];
  } else {
    groups = split(head);
  }
  if (groups.length !== groupCount || !groups.every((group) => IPV6_GROUP.test(group))) return undefined;
  const bytes = new Uint8Array(16);
  groups.forEach((group, index) => {
    const value = Number.parseInt(group, 16);
    bytes[index * 2] = value >> 8;
    bytes[index * 2 + 1] = value & 0xff;
  });
  if (tail !== undefined) bytes.set(tail, 12);
  return bytes;
}

/** Parses an IPv4 or IPv6 address; undefined when it is neither. */
export function parseIpAddress(text: string): Uint8Array | undefined {
  return text.includes(':') ? parseIpv6(text) : parseIpv4(text);
}

/** Parses `a.b.c.d/n`, `x:y::/n` or a bare address (a /32 or /128 block). */
export function parseCidr(text: string): CidrBlock | undefined {
  const slash = text.indexOf('/');
  const address = parseIpAddress(slash < 0 ? text : text.slice(0, slash));
  if (address === undefined) return undefined;
  const bits = address.length * 8;
  if (slash < 0) return { bytes: address, prefix: bits };
  const prefixText = text.slice(slash + 1);
  if (!/^\d{1,3}$/.test(prefixText)) return undefined;
  const prefix = Number(prefixText);
  if (prefix > bits) return undefined;
  return { bytes: address, prefix };
}

export function cidrContains(block: CidrBlock, address: Uint8Array): boolean {
  if (block.bytes.length !== address.length) return false;
  let remaining = block.prefix;
  for (let i = 0; remaining > 0; i++, remaining -= 8) {
    const mask = remaining >= 8 ? 0xff : (0xff << (8 - remaining)) & 0xff;
    if (((block.bytes[i] as number) & mask) !== ((address[i] as number) & mask)) return false;
  }
  return true;
}
