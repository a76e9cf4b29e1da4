import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { isRoleportError } from '../core/index.ts';
import { isListedHost, parseUpstreamAllowList, refusalOf } from './upstream-policy.ts';

/** [allow-list, host name, resolved address, expected: 'allowed' or a fragment of the refusal]. */
const CASES: ReadonlyArray<readonly [readonly string[], string, string, string]> = [
  // Link-local and metadata: never, whatever the list says.
  [['0.0.0.0/0', '::/0', 'metadata.test'], 'metadata.test', '169.254.169.254', 'metadata'],
  [['0.0.0.0/0'], '169.254.170.2', '169.254.170.2', 'metadata'],
  [['::/0'], 'fd00:ec2::254', 'fd00:ec2::254', 'metadata'],
  [['fc00::/7'], 'fd00:ec2::254', 'fd00:ec2::254', 'metadata'],
  [['::/0'], 'fe80::1', 'fe80::1', 'metadata'],
  [['0.0.0.0/0', '::/0'], 'x.test', '::ffff:169.254.169.254', 'metadata'],
  [['::/0'], 'x.test', '64:ff9b::a9fe:a9fe', 'metadata'],
  [['::/0'], 'x.test', '2002:a9fe:a9fe::1', 'metadata'],
  [['0.0.0.0/0'], 'x.test', '0.0.0.0', 'metadata'],
  [['100.64.0.0/10'], 'x.test', '100.100.100.200', 'metadata'],
  // Loopback and private: only inside a listed network, never by host name alone.
  [['localhost'], 'localhost', '127.0.0.1', 'loopback or private'],
  [['*.internal'], 'reports.internal', '10.0.0.7', 'loopback or private'],
  [[], '10.0.0.7', '10.0.0.7', 'loopback or private'],
  [['10.0.0.0/8'], 'reports.internal', '10.0.0.7', 'allowed'],
  [['10.0.0.7'], '10.0.0.7', '10.0.0.7', 'allowed'],
  [['127.0.0.0/8'], 'localhost', '127.0.0.1', 'allowed'],
  [['127.0.0.0/8'], 'x.test', '::ffff:127.0.0.1', 'allowed'],
  [['::1'], 'localhost', '::1', 'allowed'],
  [['192.168.0.0/16'], 'x.test', '172.16.0.1', 'loopback or private'],
  [['192.168.0.0/16'], 'x.test', 'fd12::1', 'loopback or private'],
  // Public: the host listed (exactly or as a subdomain of *.), or the address in a network.
  [['apps.example.com'], 'apps.example.com', '93.184.216.34', 'allowed'],
  [['APPS.example.com'], 'apps.EXAMPLE.com.', '93.184.216.34', 'allowed'],
  [['*.example.com'], 'a.b.example.com', '93.184.216.34', 'allowed'],
  [['*.example.com'], 'example.com', '93.184.216.34', 'is in content.upstreamAllowList'],
  [['*.example.com'], 'evilexample.com', '93.184.216.34', 'is in content.upstreamAllowList'],
  [['93.184.216.0/24'], 'anything.test', '93.184.216.34', 'allowed'],
  [[], 'apps.example.com', '93.184.216.34', 'is in content.upstreamAllowList'],
  [['apps.example.com'], '93.184.216.34', '93.184.216.34', 'is in content.upstreamAllowList'],
];

describe('content upstream allow-list', () => {
  for (const [entries, host, address, expected] of CASES) {
    test(`${JSON.stringify(entries)}: ${host} at ${address} → ${expected}`, () => {
      const allowList = parseUpstreamAllowList(entries);
      const refusal = refusalOf(allowList, isListedHost(allowList, host), address);
      if (expected === 'allowed') assert.equal(refusal, undefined);
      else assert.match(refusal ?? 'allowed', new RegExp(expected));
    });
  }

  for (const [entry, problem] of [
    ['169.254.0.0/16', /link-local, metadata/],
    ['169.254.169.254', /link-local, metadata/],
    ['fe80::/10', /link-local, metadata/],
    ['10.0.0.0/33', /not a host name/],
    ['http://reports.internal', /not a host name/],
    ['reports internal', /not a host name/],
    ['*', /not a host name/],
  ] as const) {
    test(`the entry ${JSON.stringify(entry)} is refused at start-up, by its index`, () => {
      assert.throws(
        () => parseUpstreamAllowList(['10.0.0.0/8', entry]),
        (error: unknown) => isRoleportError(error) && error.code === 'ERR_CONFIG_INVALID' && error.message.startsWith('content.upstreamAllowList.1: ') && problem.test(error.message),
      );
    });
  }
});
