import { BlockList, isIP } from 'node:net';
import { RoleportError } from '../core/index.ts';

/**
 * Which upstreams content may be proxied to: an admin's allow-list of host names and
 * networks (`content.upstreamAllowList`), checked against every address a name resolves to.
 *
 * - Link-local, cloud metadata and other never-routable addresses are refused whatever the
 *   list says (169.254.0.0/16 holds AWS, GCP, Azure and OpenStack metadata and ECS task
 *   credentials; fd00:ec2::254 is AWS's IPv6 metadata; 0.0.0.0 reaches the local host).
 * - Loopback, private and other special-purpose ranges are allowed only when a listed
 *   network contains the address: naming a host is not enough, since its DNS may point
 *   anywhere.
 * - Other (public) addresses are allowed when the host name is listed or a listed network
 *   contains them.
 *
 * IPv4 addresses embedded in IPv6 (mapped, NAT64, 6to4) are judged as the IPv4 address.
 *
 * @see https://www.iana.org/assignments/iana-ipv4-special-registry/
 * @see https://www.iana.org/assignments/iana-ipv6-special-registry/
 * @see https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/instancedata-data-retrieval.html
 */
export interface UpstreamAllowList {
  /** Exact host names, lower case. */
  hosts: ReadonlySet<string>;
  /** `*.example.com` entries, as `.example.com`. */
  hostSuffixes: readonly string[];
  networks: BlockList;
}

const ALWAYS_REFUSED = blockList([
  ['0.0.0.0', 8],
  ['169.254.0.0', 16],
  ['100.100.100.200', 32], // Alibaba Cloud metadata, inside the shared address space
  ['192.0.0.192', 32], // Oracle Cloud metadata
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
  ['::', 128],
  ['fe80::', 10],
  ['fd00:ec2::254', 128],
  ['ff00::', 8],
]);

const SPECIAL_PURPOSE = blockList([
  ['127.0.0.0', 8],
  ['10.0.0.0', 8],
  ['172.16.0.0', 12],
  ['192.168.0.0', 16],
  ['100.64.0.0', 10],
  ['192.0.0.0', 24],
  ['192.0.2.0', 24],
  ['198.18.0.0', 15],
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['::1', 128],
  ['fc00::', 7],
  ['fec0::', 10],
  ['100::', 64],
  ['2001:db8::', 32],
  ['64:ff9b::', 96],
  ['64:ff9b:1::', 48],
  ['2002::', 16],
]);

const HOST_NAME = /^(?=.{1,253}$)(\*\.)?[a-z0-9_]([a-z0-9_-]{0,62})(\.[a-z0-9_]([a-z0-9_-]{0,62}))*$/;

/** Parses the configured list; an entry that is neither a host name nor an address or CIDR names itself in ERR_CONFIG_INVALID. */
export function parseUpstreamAllowList(entries: readonly string[]): UpstreamAllowList {
  const hosts = new Set<string>();
  const hostSuffixes: string[] = [];
  const networks = new BlockList();
  entries.forEach((raw, index) => {
    const entry = raw.trim().toLowerCase();
    const network = parseNetwork(entry);
    if (network !== undefined) {
      if (ALWAYS_REFUSED.check(network.address, network.family) && network.prefix >= (network.family === 'ipv4' ? 8 : 10)) {
        throw configError(index, raw, 'is a link-local, metadata or unroutable range, which content upstreams may never reach');
      }
      networks.addSubnet(network.address, network.prefix, network.family);
    } else if (HOST_NAME.test(entry)) {
      if (entry.startsWith('*.')) hostSuffixes.push(entry.slice(1));
      else hosts.add(entry);
    } else {
      throw configError(index, raw, 'is not a host name (reports.internal, *.apps.example.com), an address or a CIDR (10.0.0.0/8)');
    }
  });
  return { hosts, hostSuffixes, networks };
}

/** Whether the host name itself is listed (an IP literal is judged by the networks only). */
export function isListedHost(allowList: UpstreamAllowList, hostname: string): boolean {
  const host = hostname.toLowerCase().replace(/\.$/, '');
  if (isIP(unbracket(host)) !== 0) return false;
  return allowList.hosts.has(host) || allowList.hostSuffixes.some((suffix) => host.endsWith(suffix));
}

/** Undefined when the upstream may be reached at `address`; else why not, for the error message. */
export function refusalOf(allowList: UpstreamAllowList, hostListed: boolean, address: string): string | undefined {
  const family = isIP(address) === 6 ? 'ipv6' : 'ipv4';
  const embedded = embeddedIpv4(address);
  const judged: Array<[string, 'ipv4' | 'ipv6']> = embedded === undefined ? [[address, family]] : [[address, family], [embedded, 'ipv4']];
  if (judged.some(([value, kind]) => ALWAYS_REFUSED.check(value, kind))) return `${address} is a link-local, cloud metadata or unroutable address`;
  if (judged.some(([value, kind]) => allowList.networks.check(value, kind))) return undefined;
  if (judged.some(([value, kind]) => SPECIAL_PURPOSE.check(value, kind))) return `${address} is a loopback or private address that content.upstreamAllowList does not list`;
  return hostListed ? undefined : `neither the host nor ${address} is in content.upstreamAllowList`;
}

/** The upstream refused: what content creation answers (400, to the publisher) and the proxy (502: the viewer sees no address, the log does). */
export function upstreamRefused(url: string, reason: string, status = 400): RoleportError {
  return new RoleportError('ERR_INPUT_INVALID', `upstream ${url} is not allowed: ${reason}`, { status });
}

export function unbracket(host: string): string {
  return host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
}

function parseNetwork(entry: string): { address: string; prefix: number; family: 'ipv4' | 'ipv6' } | undefined {
  const slash = entry.indexOf('/');
  const address = unbracket(slash < 0 ? entry : entry.slice(0, slash));
  const version = isIP(address);
  if (version === 0) return undefined;
  const bits = version === 4 ? 32 : 128;
  const prefixText = slash < 0 ? String(bits) : entry.slice(slash + 1);
  if (!/^\d{1,3}$/.test(prefixText) || Number(prefixText) > bits) return undefined;
  return { address, prefix: Number(prefixText), family: version === 4 ? 'ipv4' : 'ipv6' };
}

/** The IPv4 address inside a NAT64 (64:ff9b::/96) or 6to4 (2002::/16) address; mapped ones BlockList handles itself. */
function embeddedIpv4(address: string): string | undefined {
  if (isIP(address) !== 6) return undefined;
  const groups = expandIpv6(address);
  if (groups === undefined) return undefined;
  const v4 = (high: number, low: number): string => `${high >> 8}.${high & 0xff}.${low >> 8}.${low & 0xff}`;
  if (groups[0] === 0x64 && groups[1] === 0xff9b) return v4(groups[6]!, groups[7]!);
  if (groups[0] === 0x2002) return v4(groups[1]!, groups[2]!);
  return undefined;
}

function expandIpv6(address: string): number[] | undefined {
  let text = address.toLowerCase();
  const lastColon = text.lastIndexOf(':');
  if (text.includes('.', lastColon)) {
    const octets = text.slice(lastColon + 1).split('.').map(Number);
    text = `${text.slice(0, lastColon + 1)}${((octets[0]! << 8) | octets[1]!).toString(16)}:${((octets[2]! << 8) | octets[3]!).toString(16)}`;
  }
  const halves = text.split('::');
  const part = (half: string | undefined): number[] => (half === undefined || half === '' ? [] : half.split(':').map((group) => Number.parseInt(group, 16)));
  const left = part(halves[0]);
  const right = part(halves[1]);
  const groups = halves.length === 2 ? [...left, ...Array<number>(8 - left.length - right.length).fill(0), ...right] : left;
  return groups.length === 8 && groups.every((group) => Number.isInteger(group) && group >= 0 && group <= 0xffff) ? groups : undefined;
}

function blockList(entries: ReadonlyArray<[string, number]>): BlockList {
  const list = new BlockList();
  for (const [address, prefix] of entries) list.addSubnet(address, prefix, isIP(address) === 6 ? 'ipv6' : 'ipv4');
  return list;
}

function configError(index: number, entry: string, problem: string): RoleportError {
  return new RoleportError('ERR_CONFIG_INVALID', `content.upstreamAllowList.${index}: ${JSON.stringify(entry)} ${problem}`);
}
