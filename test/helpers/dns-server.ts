import { createSocket } from 'node:dgram';
import { isIP } from 'node:net';

/** A DNS server on 127.0.0.1 (UDP) whose answers a test sets and changes, e.g. to rebind a name. */
export interface TestDnsServer {
  /** `127.0.0.1:PORT`, as `dns.Resolver#setServers` and `content.dnsServers` take it. */
  address: string;
  /**
   * Answers `name` with these addresses (A and AAAA by family) from now on; an empty list is
   * NXDOMAIN. A function gets the number of earlier questions of the same type for the name,
   * so that answers can change from one query to the next (DNS rebinding).
   */
  set(name: string, addresses: readonly string[] | ((earlierQueries: number) => readonly string[])): void;
  /** Questions asked so far, as `name type` (`metadata.test A`). */
  queries: string[];
  close(): Promise<void>;
}

const TYPE_A = 1;
const TYPE_AAAA = 28;

/**
 * A real DNS server (RFC 1035 over UDP), just enough of it for tests of DNS-dependent checks:
 * one question per query, A and AAAA answers with TTL 0 (so nothing caches them), NXDOMAIN
 * for unknown names.
 */
export async function startTestDnsServer(): Promise<TestDnsServer> {
  const records = new Map<string, readonly string[] | ((earlierQueries: number) => readonly string[])>();
  const queries: string[] = [];
  const socket = createSocket('udp4');
  socket.on('message', (message, remote) => {
    const answer = respond(message, records, queries);
    if (answer !== undefined) socket.send(answer, remote.port, remote.address);
  });
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  return {
    address: `127.0.0.1:${socket.address().port}`,
    set(name, addresses) {
      records.set(name.toLowerCase(), typeof addresses === 'function' ? addresses : [...addresses]);
    },
    queries,
    close: () => new Promise<void>((resolve) => socket.close(() => resolve())),
  };
}

function respond(query: Buffer, records: Map<string, readonly string[] | ((earlierQueries: number) => readonly string[])>, queries: string[]): Buffer | undefined {
  if (query.length < 12 || query.readUInt16BE(4) !== 1) return undefined;
  const labels: string[] = [];
  let offset = 12;
  while (offset < query.length && query[offset] !== 0) {
    const length = query[offset]!;
    labels.push(query.subarray(offset + 1, offset + 1 + length).toString('ascii'));
    offset += length + 1;
  }
  const questionEnd = offset + 5;
  if (questionEnd > query.length) return undefined;
  const type = query.readUInt16BE(offset + 1);
  const name = labels.join('.').toLowerCase();
  const asked = `${name} ${type === TYPE_A ? 'A' : type === TYPE_AAAA ? 'AAAA' : String(type)}`;
  const earlier = queries.filter((query) => query === asked).length;
  queries.push(asked);
  const record = records.get(name);
  const known = typeof record === 'function' ? record(earlier) : record;
  const addresses = (known ?? []).filter((address) => isIP(address) === (type === TYPE_A ? 4 : type === TYPE_AAAA ? 6 : -1));
  const answers = addresses.map((address) => {
    const data = type === TYPE_A ? Buffer.from(address.split('.').map(Number)) : ipv6Bytes(address);
    const answer = Buffer.alloc(12 + data.length);
    answer.writeUInt16BE(0xc00c, 0); // a pointer to the question's name
    answer.writeUInt16BE(type, 2);
    answer.writeUInt16BE(1, 4); // class IN
    answer.writeUInt32BE(0, 6); // TTL 0
    answer.writeUInt16BE(data.length, 10);
    data.copy(answer, 12);
    return answer;
  });
  const header = Buffer.alloc(12);
  header.writeUInt16BE(query.readUInt16BE(0), 0);
  // QR, opcode 0, AA, RD copied, RA; rcode 3 (NXDOMAIN) for unknown names.
  header.writeUInt16BE(0x8400 | (query.readUInt16BE(2) & 0x0100) | 0x0080 | (known === undefined || known.length === 0 ? 3 : 0), 2);
  header.writeUInt16BE(1, 4);
  header.writeUInt16BE(answers.length, 6);
  return Buffer.concat([header, query.subarray(12, questionEnd), ...answers]);
}

function ipv6Bytes(address: string): Buffer {
  const [head = '', tail = ''] = address.split('::');
  const left = head === '' ? [] : head.split(':');
  const right = tail === '' ? [] : tail.split(':');
  const groups = address.includes('::') ? [...left, ...Array<string>(8 - left.length - right.length).fill('0'), ...right] : left;
  const bytes = Buffer.alloc(16);
  groups.forEach((group, index) => bytes.writeUInt16BE(Number.parseInt(group, 16), index * 2));
  return bytes;
}
