import { lookup as systemLookup, Resolver, type LookupAddress } from 'node:dns';
import { isIP, type LookupFunction } from 'node:net';
import { invalidInput } from '../core/index.ts';
import { isListedHost, parseUpstreamAllowList, refusalOf, unbracket, upstreamRefused } from './upstream-policy.ts';

export interface UpstreamGuardOptions {
  /** `content.upstreamAllowList`. */
  allowList: readonly string[];
  /** DNS servers (`host` or `host:port`) for upstream names; empty: the system's resolver (getaddrinfo, /etc/hosts). */
  dnsServers: readonly string[];
}

/** Resolves a name to all its addresses. */
type ResolveAll = (hostname: string) => Promise<LookupAddress[]>;

/**
 * The upstream allow-list applied where it matters: when content is created or changed
 * (`checkUrl`) and on every proxied request, where `connectLookup` is the socket's DNS
 * lookup — it resolves the name, checks every address, and hands the socket only addresses
 * it checked. A name whose DNS changes between the check and the connection (rebinding)
 * therefore cannot reach an address the list refuses.
 */
export function createUpstreamGuard(options: UpstreamGuardOptions) {
  const allowList = parseUpstreamAllowList(options.allowList);
  const resolveAll = options.dnsServers.length > 0 ? resolverFor(options.dnsServers) : systemResolver;

  /** The addresses to connect to, all checked; throws for a refused one. */
  const checkedAddresses = async (url: URL, status: number): Promise<LookupAddress[]> => {
    const host = unbracket(url.hostname);
    const literal = isIP(host);
    let addresses: LookupAddress[];
    if (literal !== 0) addresses = [{ address: host, family: literal }];
    else {
      try {
        addresses = await resolveAll(host);
      } catch (cause) {
        throw invalidInput(`upstream ${url.origin} does not resolve (${(cause as NodeJS.ErrnoException).code ?? 'DNS error'})`, { status, cause });
      }
      if (addresses.length === 0) throw invalidInput(`upstream ${url.origin} does not resolve`, { status });
    }
    const listed = isListedHost(allowList, host);
    for (const { address } of addresses) {
      const refusal = refusalOf(allowList, listed, address);
      if (refusal !== undefined) throw upstreamRefused(url.origin, refusal, status);
    }
    return addresses;
  };

  return {
    /** At creation: the URL's host and every address it resolves to now must be allowed (400 otherwise). */
    async checkUrl(value: string): Promise<void> {
      await checkedAddresses(new URL(value), 400);
    },

    /**
     * At request time: the `lookup` for the proxy's socket (node:net `LookupFunction`). An IP
     * literal never reaches a lookup, so `checkLiteral` is its check; both answer 502.
     */
    async checkLiteral(value: string): Promise<void> {
      const url = new URL(value);
      if (isIP(unbracket(url.hostname)) !== 0) await checkedAddresses(url, 502);
    },
    connectLookup: ((hostname, lookupOptions, callback) => {
      const url = new URL(`http://${isIP(hostname) === 6 ? `[${hostname}]` : hostname}`);
      checkedAddresses(url, 502).then(
        (addresses) => {
          const wanted = lookupOptions.family === 4 || lookupOptions.family === 6 ? addresses.filter((entry) => entry.family === lookupOptions.family) : addresses;
          if (wanted.length === 0) return callback(Object.assign(new Error(`no IPv${String(lookupOptions.family)} address for ${hostname}`), { code: 'ENOTFOUND' }), '', 0);
          if (lookupOptions.all === true) return (callback as unknown as (error: null, addresses: LookupAddress[]) => void)(null, wanted);
          return callback(null, wanted[0]!.address, wanted[0]!.family);
        },
        (error: unknown) => callback(error as NodeJS.ErrnoException, '', 0),
      );
    }) as LookupFunction,
  };
}

export type UpstreamGuard = ReturnType<typeof createUpstreamGuard>;

const systemResolver: ResolveAll = (hostname) =>
  new Promise((resolve, reject) => systemLookup(hostname, { all: true, verbatim: true }, (error, addresses) => (error ? reject(error) : resolve(addresses))));

function resolverFor(servers: readonly string[]): ResolveAll {
  const resolver = new Resolver({ timeout: 2000, tries: 2 });
  resolver.setServers([...servers]);
  const query = (family: 4 | 6, hostname: string): Promise<LookupAddress[]> =>
    new Promise((resolve, reject) => {
      const done = (error: NodeJS.ErrnoException | null, addresses: string[]): void => {
        if (error !== null && error.code !== 'ENODATA' && error.code !== 'ENOTFOUND') reject(error);
        else resolve((addresses ?? []).map((address) => ({ address, family })));
      };
      if (family === 4) resolver.resolve4(hostname, done);
      else resolver.resolve6(hostname, done);
    });
  return async (hostname) => {
    const [v4, v6] = await Promise.all([query(4, hostname), query(6, hostname)]);
    const addresses = [...v4, ...v6];
    if (addresses.length === 0) throw Object.assign(new Error(`${hostname} has no address`), { code: 'ENOTFOUND' });
    return addresses;
  };
}
