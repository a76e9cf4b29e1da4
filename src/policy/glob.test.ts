import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseArn } from '../iam/index.ts';
import { ArnPattern, ResourcePattern } from './arn.ts';
import { Glob, compileGlob } from './glob.ts';
import { cidrContains, parseCidr, parseIpAddress } from './ip-address.ts';
import { parseDate, parseNumber } from './operators.ts';

describe('wildcard patterns (StringLike: "*" any run incl. empty, "?" exactly one character)', () => {
  const cases: [pattern: string, input: string, expected: boolean][] = [
    ['abc', 'abc', true],
    ['abc', 'abcd', false],
    ['*', '', true],
    ['*', 'anything', true],
    ['**', 'x', true],
    ['a*', 'a', true],
    ['a*', 'abc', true],
    ['a*', 'ba', false],
    ['*c', 'abc', true],
    ['*c', 'cb', false],
    ['a*c', 'ac', true],
    ['a*c', 'abbbc', true],
    ['a*c', 'abbbcd', false],
    ['a?c', 'abc', true],
    ['a?c', 'ac', false],
    ['a?c', 'abbc', false],
    ['???', 'abc', true],
    ['???', 'ab', false],
    ['a*b*c', 'axxbyyc', true],
    ['a*b*c', 'axxcyyb', false],
    ['*ab*ab*', 'xabyab', true],
    ['*ab*ab*', 'xaby', false],
    ['a*?b', 'axb', true],
    ['a*?b', 'ab', false],
    ['repo:org/*:ref:refs/heads/main', 'repo:org/app:ref:refs/heads/main', true],
    ['repo:org/*:ref:refs/heads/main', 'repo:org/app:ref:refs/heads/dev', false],
    ['Repo:*', 'repo:x', false],
    // "?" is one character, not one UTF-16 unit.
    ['a?c', 'a😀c', true],
    ['a??c', 'a😀c', false],
    ['*😀', 'xx😀', true],
  ];
  for (const [pattern, input, expected] of cases) {
    it(`${JSON.stringify(pattern)} ${expected ? 'matches' : 'does not match'} ${JSON.stringify(input)}`, () => {
      assert.equal(compileGlob(pattern).test(input), expected);
    });
  }

  it('treats literal parts (from ${*}, ${?} and substituted variables) as plain text', () => {
    const glob = new Glob([
      { text: 'a', literal: false },
      { text: '*', literal: true },
      { text: '?', literal: false },
    ]);
    assert.equal(glob.test('a*x'), true);
    assert.equal(glob.test('abx'), false);
    assert.equal(glob.source, 'a*?');
  });

  it('compares lower-cased input when compiled with ignoreCase (Action matching)', () => {
    const glob = compileGlob('STS:AssumeRole*', { ignoreCase: true });
    assert.equal(glob.test(glob.normalize('sts:assumerolewithwebidentity')), true);
    assert.equal(glob.test(glob.normalize('STS:TAGSESSION')), false);
  });

  it('knows when a pattern is only stars', () => {
    assert.equal(compileGlob('*').matchesEverything, true);
    assert.equal(compileGlob('a*').matchesEverything, false);
    assert.equal(new Glob([{ text: '*', literal: true }]).matchesEverything, false);
  });
});

describe('ARN patterns', () => {
  it('splits an ARN into partition, service, region, account and resource (which may hold colons)', () => {
    assert.deepEqual(parseArn('arn:aws:logs:eu-west-1:123456789012:log-group:/a:*'), {
      partition: 'aws',
      service: 'logs',
      region: 'eu-west-1',
      account: '123456789012',
      resource: 'log-group:/a:*',
    });
    assert.equal(parseArn('arn:aws:iam::123456789012'), undefined);
    assert.equal(parseArn('not-an-arn:a:b:c:d:e'), undefined);
  });

  const arnLike: [pattern: string, value: string, expected: boolean, rule: string][] = [
    ['arn:aws:iam::*:role/*', 'arn:aws:iam::123456789012:role/Admin', true, 'wildcards within segments'],
    ['arn:aws:iam::*:role/*', 'arn:aws:iam::123456789012:user/Admin', false, 'the resource segment differs'],
    ['arn:aws:ec2:*:*:instance/i-?????', 'arn:aws:ec2:us-east-1:123456789012:instance/i-12345', true, '"?" is one character'],
    ['arn:aws:ec2:*:*:instance/i-?????', 'arn:aws:ec2:us-east-1:123456789012:instance/i-123456', false, '"?" is exactly one character'],
    ['arn:aws:*:role/x', 'arn:aws:iam::123456789012:role/x', false, 'a wildcard cannot span segments: all six must be present'],
    ['arn:aws:iam::123456789012:role/Admin', 'arn:aws:iam::123456789012:role/admin', false, 'case-sensitive'],
    ['arn:aws:iam::123456789012:role/*', 'not an arn', false, 'a value that is not an ARN never matches'],
  ];
  for (const [pattern, value, expected, rule] of arnLike) {
    it(`ArnLike ${pattern} vs ${value} is ${expected} (${rule})`, () => {
      assert.equal(new ArnPattern([{ text: pattern, literal: false }]).test(value), expected);
    });
  }

  const resources: [pattern: string, value: string, expected: boolean, rule: string][] = [
    ['*', 'arn:aws:iam::123456789012:role/x', true, '"*" alone is every resource'],
    ['arn:aws:iam::123456789012:role/app-*', 'arn:aws:iam::123456789012:role/app-1', true, 'wildcard in the resource segment'],
    ['arn:aws:iam::123456789012:role/app-*', 'arn:aws:iam::123456789012:role/App-1', false, 'resource ARNs are case-sensitive'],
    ['arn:aws:iam::*:role/app', 'arn:aws:iam::210987654321:role/app', true, 'wildcard account segment'],
    ['arn:aws:iam::12345678901?:role/app', 'arn:aws:iam::123456789012:role/app', true, '"?" in a segment'],
    ['arn:aws:iam::123456789012:*', 'arn:aws:iam::123456789012:role/app', true, 'trailing "*" of a segment'],
    ['arn:aws:ec2:us-east-1:*', 'arn:aws:ec2:us-east-1:123456789012:instance/i-1', true, 'a "*" ending a segment expands beyond the colon'],
    ['arn:aws:ec2:us-*-1:123456789012:instance/*', 'arn:aws:ec2:us-east-1:123456789012:instance/i-1', true, 'segment wildcards'],
    ['arn:aws:ec2:u*t-1:123456789012:instance/*', 'arn:aws:ec2:us:x:east-1:123456789012:instance/i-1', false, 'a mid-segment "*" stays in its segment'],
    ['arn:aws:s3:::bucket/*', 'arn:aws:s3:::bucket/a/b.txt', true, 'S3 object keys'],
    ['arn:aws:s3:::bucket/*', 'arn:aws:s3:::other/a', false, 'another bucket'],
  ];
  for (const [pattern, value, expected, rule] of resources) {
    it(`Resource ${pattern} vs ${value} is ${expected} (${rule})`, () => {
      assert.equal(new ResourcePattern([{ text: pattern, literal: false }]).test(value), expected);
    });
  }
});

describe('value parsing for Numeric, Date and IpAddress operators', () => {
  it('parses numbers strictly (no hex, no empty string)', () => {
    assert.equal(parseNumber('10'), 10);
    assert.equal(parseNumber('-1.5e2'), -150);
    assert.equal(parseNumber(''), undefined);
    assert.equal(parseNumber('0x10'), undefined);
    assert.equal(parseNumber('ten'), undefined);
  });

  it('parses ISO 8601 dates (UTC when no zone) and epoch seconds', () => {
    const midnight = Date.UTC(2026, 0, 1);
    assert.equal(parseDate('2026-01-01'), midnight);
    assert.equal(parseDate('2026-01-01T00:00:00Z'), midnight);
    assert.equal(parseDate('2026-01-01T00:00:00'), midnight);
    assert.equal(parseDate('2026-01-01T01:00:00+01:00'), midnight);
    assert.equal(parseDate('2026-01-01T00:00:00.250Z'), midnight + 250);
    assert.equal(parseDate(String(midnight / 1000)), midnight);
    assert.equal(parseDate('2026-02-30'), undefined);
    assert.equal(parseDate('yesterday'), undefined);
  });

  it('parses IPv4, IPv6 and CIDR blocks and tests membership', () => {
    const v4 = parseCidr('203.0.113.0/24');
    const v6 = parseCidr('2001:db8::/32');
    assert.ok(v4 !== undefined && v6 !== undefined);
    assert.equal(cidrContains(v4, parseIpAddress('203.0.113.200') as Uint8Array), true);
    assert.equal(cidrContains(v4, parseIpAddress('203.0.114.1') as Uint8Array), false);
    assert.equal(cidrContains(v6, parseIpAddress('2001:db8:ffff::1') as Uint8Array), true);
    assert.equal(cidrContains(v6, parseIpAddress('2001:db9::1') as Uint8Array), false);
    assert.equal(cidrContains(v4, parseIpAddress('::ffff:203.0.113.1') as Uint8Array), false, 'families do not mix');
    assert.deepEqual(parseIpAddress('::ffff:1.2.3.4'), new Uint8Array([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 1, 2, 3, 4]));
    assert.equal(parseIpAddress('256.1.1.1'), undefined);
    assert.equal(parseIpAddress('1::2::3'), undefined);
    assert.equal(parseCidr('10.0.0.0/33'), undefined);
  });
});
