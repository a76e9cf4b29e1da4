import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RoleportError } from '../core/index.ts';
import { explainWebIdentity, type ExplainOptions, type ExplainResult, type StsCheckName } from './explain.ts';
import { formatExplanation } from './explain-format.ts';
import { buildTrustPolicy } from './trust-policy.ts';

const NOW = Date.UTC(2030, 0, 1, 12, 0, 0);
const NOW_S = NOW / 1000;
const ISSUER = 'https://id.example.com/tenant';
const PREFIX = 'id.example.com/tenant';
const ACCOUNT = '111122223333';

const policy = JSON.stringify(
  buildTrustPolicy({ roleName: 'Exec', issuer: ISSUER, account: ACCOUNT, audience: 'sts.amazonaws.com', subjectTemplate: 'user:{username}', subLike: ['user:alice'] }).policy,
);
const withTags = JSON.stringify(
  buildTrustPolicy({ roleName: 'Exec', issuer: ISSUER, account: ACCOUNT, audience: 'sts.amazonaws.com', subjectTemplate: 'user:{username}', sessionTags: true, sourceIdentity: true }).policy,
);

const claims = (extra: Record<string, unknown> = {}): Record<string, unknown> => ({
  iss: ISSUER,
  sub: 'user:alice',
  aud: 'sts.amazonaws.com',
  iat: NOW_S - 60,
  nbf: NOW_S - 60,
  exp: NOW_S + 3600,
  ...extra,
});

/** An unsigned-looking compact token: explain never verifies signatures, only reads the parts. */
const token = (header: Record<string, unknown>, body: Record<string, unknown>, signature = 'c2ln'): string =>
  `${Buffer.from(JSON.stringify(header)).toString('base64url')}.${Buffer.from(JSON.stringify(body)).toString('base64url')}.${signature}`;

const explain = (options: Partial<ExplainOptions>): ExplainResult => explainWebIdentity({ policy, now: NOW, ...options });
const check = (result: ExplainResult, name: StsCheckName) => result.checks.find((c) => c.name === name);

test('a token for an intended subject is allowed, with the account taken from the policy principal', () => {
  const result = explain({ token: token({ alg: 'RS256', kid: 'k' }, claims()) });
  assert.equal(result.decision, 'allow');
  assert.deepEqual(result.decidingStatements, [0]);
  assert.deepEqual(result.sts, { outcome: 'success' });
  assert.equal(result.provider.arn, `arn:aws:iam::${ACCOUNT}:oidc-provider/${PREFIX}`);
  assert.equal(result.provider.accountSource, 'policy-principal');
  // The STS's own request context (src/iam): claims, session name, provider, and an HTTPS call now.
  assert.equal(result.context[`${PREFIX}:aud`], 'sts.amazonaws.com');
  assert.equal(result.context[`${PREFIX}:sub`], 'user:alice');
  assert.equal(result.context['aws:FederatedProvider'], result.provider.arn);
  assert.equal(result.context['sts:RoleSessionName'], 'roleport-explain');
  assert.equal(result.context['aws:SecureTransport'], 'true');
  assert.equal(result.context['aws:CurrentTime'], '2030-01-01T12:00:00Z');
  assert.equal(result.context['aws:SourceIp'], undefined);
  assert.equal(result.statements[0]!.conditions.every((c) => c.matched), true);
});

test('another subject is denied, and the failing condition is named with the values compared', () => {
  const result = explain({ claims: claims({ sub: 'user:mallory' }) });
  assert.equal(result.decision, 'deny');
  assert.equal(result.reason, 'implicit-deny');
  assert.deepEqual(
    result.failingConditions.map((c) => [c.block, c.key, c.actual, c.expected]),
    [['StringLike', `${PREFIX}:sub`, 'user:mallory', ['user:alice']]],
  );
  assert.deepEqual(result.sts, { outcome: 'error', code: 'AccessDenied', message: 'Not authorized to perform sts:AssumeRoleWithWebIdentity (no statement allows it)' });
  const text = formatExplanation(result);
  assert.match(text, /✗ statement 0 "RoleportWebIdentity": id\.example\.com\/tenant:sub is "user:mallory"/);
  assert.doesNotMatch(text, /\u001b\[/, 'no ANSI codes without color');
  assert.match(formatExplanation(result, { color: true }), /\u001b\[31m✗ statement 0/);
});

test('--provider as an ARN sets the account; a provider of another account does not match the principal', () => {
  const same = explain({ claims: claims(), provider: `arn:aws:iam::${ACCOUNT}:oidc-provider/${PREFIX}` });
  assert.equal(same.decision, 'allow');
  assert.equal(same.provider.accountSource, 'provider-arn');
  const other = explain({ claims: claims(), provider: `arn:aws:iam::999999999999:oidc-provider/${PREFIX}` });
  assert.equal(other.decision, 'deny');
  assert.equal(other.statements[0]!.principal.matched, false);
  assert.throws(() => explain({ claims: claims(), provider: 'arn:aws:iam::1:oidc-provider/x' }), (e: unknown) => e instanceof RoleportError && /--provider/.test(e.message));
});

test('--provider as a URL other than iss fails the issuer check as STS would', () => {
  const result = explain({ claims: claims(), provider: 'https://other.example.com' });
  assert.equal(check(result, 'issuer')?.status, 'fail');
  assert.equal(result.sts.outcome === 'error' && result.sts.code, 'InvalidIdentityToken');
  assert.match(check(result, 'issuer')!.message, /No OpenIDConnect provider found in your account for https:\/\/id\.example\.com\/tenant/);
  // The policy names only id.example.com/tenant: for another host the account is a placeholder, and explain says so.
  assert.equal(result.provider.accountSource, 'placeholder');
  assert.equal(result.provider.arn, 'arn:aws:iam::000000000000:oidc-provider/other.example.com');
  assert.ok(result.notes.some((n) => n.includes('placeholder 000000000000')));
  assert.equal(explain({ claims: claims(), provider: ISSUER }).decision, 'allow');
});

test('a local dev issuer keeps its port in the condition keys', () => {
  const devPolicy = JSON.stringify(
    buildTrustPolicy({ roleName: 'Dev', issuer: 'http://127.0.0.1:8080', account: ACCOUNT, audience: 'sts.amazonaws.com', subjectTemplate: 'user:{username}' }).policy,
  );
  const result = explainWebIdentity({ policy: devPolicy, claims: claims({ iss: 'http://127.0.0.1:8080' }), now: NOW });
  assert.equal(result.decision, 'allow');
  assert.ok('127.0.0.1:8080:sub' in result.context);
  assert.ok(result.notes.some((n) => /not https/.test(n)));
});

// Each offline STS check, and the error STS answers when it fails.
const stsCases: { name: string; options: Partial<ExplainOptions>; check: StsCheckName; code: string; message: RegExp }[] = [
  { name: 'alg none', options: { token: token({ alg: 'none' }, claims(), '') }, check: 'algorithm', code: 'InvalidIdentityToken', message: /algorithm "none"/ },
  { name: 'HS256', options: { token: token({ alg: 'HS256' }, claims()) }, check: 'algorithm', code: 'InvalidIdentityToken', message: /"HS256"/ },
  { name: 'PS256', options: { token: token({ alg: 'PS256' }, claims()) }, check: 'algorithm', code: 'InvalidIdentityToken', message: /"PS256"/ },
  { name: 'expired beyond the 5-minute skew', options: { claims: claims({ exp: NOW_S - 301 }) }, check: 'expiry', code: 'ExpiredTokenException', message: new RegExp(`^Token expired: current date/time ${NOW_S} must be before the expiration date/time ${NOW_S - 301} \\(expired 301 s ago`) },
  { name: 'not yet valid', options: { claims: claims({ nbf: NOW_S + 3600 }) }, check: 'not-before', code: 'InvalidIdentityToken', message: /not yet valid/ },
  { name: 'issued in the future', options: { claims: claims({ iat: NOW_S + 3600 }) }, check: 'issued-at', code: 'InvalidIdentityToken', message: /issued in the future/ },
  { name: 'a fractional exp', options: { claims: claims({ exp: NOW_S + 0.5 }) }, check: 'expiry', code: 'InvalidIdentityToken', message: /whole number/ },
  { name: 'missing iat', options: { claims: claims({ iat: undefined }) }, check: 'required-claims', code: 'InvalidIdentityToken', message: /^Missing a required claim: iat$/ },
  { name: 'missing sub and aud: the first, as STS names it', options: { claims: claims({ sub: undefined, aud: undefined }) }, check: 'required-claims', code: 'InvalidIdentityToken', message: /^Missing a required claim: sub$/ },
  { name: 'aud not registered', options: { claims: claims({ aud: 'other' }), clientIds: ['sts.amazonaws.com'] }, check: 'audience', code: 'InvalidIdentityToken', message: /^Incorrect token audience/ },
  { name: 'several aud without azp', options: { claims: claims({ aud: ['a', 'sts.amazonaws.com'] }) }, check: 'audience', code: 'InvalidIdentityToken', message: /^Incorrect token audience .*azp must be present/ },
  { name: 'azp not registered', options: { claims: claims({ aud: ['a', 'b'], azp: 'a' }), clientIds: ['b'] }, check: 'audience', code: 'InvalidIdentityToken', message: /^Incorrect token audience .*registered client ID/ },
  { name: 'bad session name', options: { claims: claims(), sessionName: 'a b' }, check: 'parameters', code: 'ValidationError', message: /Value 'a b' at 'roleSessionName' failed to satisfy constraint/ },
  { name: 'one-character session name', options: { claims: claims(), sessionName: 'a' }, check: 'parameters', code: 'ValidationError', message: /greater than or equal to 2/ },
  { name: '20001-character token', options: { token: token({ alg: 'RS256' }, claims({ pad: 'x'.repeat(20001) })) }, check: 'parameters', code: 'ValidationError', message: /less than or equal to 20000/ },
];

for (const c of stsCases) {
  test(`STS check: ${c.name} → ${c.code}`, () => {
    const result = explain(c.options);
    const found = check(result, c.check);
    assert.equal(found?.status, 'fail', JSON.stringify(result.checks));
    assert.equal(found.stsError, c.code);
    assert.match(found.message, c.message);
    assert.equal(result.sts.outcome, 'error');
    assert.equal(result.sts.outcome === 'error' && result.sts.code, c.code);
  });
}

test('expired within the skew is a warning, not a failure', () => {
  const result = explain({ claims: claims({ exp: NOW_S - 120 }) });
  assert.equal(check(result, 'expiry')?.status, 'warn');
  assert.deepEqual(result.sts, { outcome: 'success' });
});

test('session name sets sts:RoleSessionName; token claims without a token skip the header checks', () => {
  const result = explain({ claims: claims(), sessionName: 'alice.ws-3f2a' });
  assert.equal(result.context['sts:RoleSessionName'], 'alice.ws-3f2a');
  assert.equal(check(result, 'algorithm')?.status, 'skip');
  assert.equal(result.input.kind, 'claims');
});

test('an array aud: azp picks the value, per OIDC Core §3.1.3.7, and the choice is reported', () => {
  const result = explain({ claims: claims({ aud: ['other', 'sts.amazonaws.com'], azp: 'sts.amazonaws.com' }), clientIds: ['sts.amazonaws.com'] });
  assert.equal(result.audience.value, 'sts.amazonaws.com');
  assert.match(result.audience.reason, /azp/);
  assert.equal(check(result, 'audience')?.status, 'pass');
  assert.equal(result.context[`${PREFIX}:azp`], 'sts.amazonaws.com');
  assert.equal(result.decision, 'allow');
});

test('session tags need sts:TagSession; over 50 tags is PackedPolicyTooLarge, an over-long key or value an invalid token, as the STS answers', () => {
  const tagged = claims({ 'https://aws.amazon.com/tags': { principal_tags: { team: ['data'], cc: ['42'] }, transitive_tag_keys: ['team'] } });
  // The trust policy allows AssumeRoleWithWebIdentity for alice but not sts:TagSession.
  const refused = explain({ claims: tagged });
  assert.equal(refused.decision, 'allow');
  assert.equal(check(refused, 'tag-session')?.status, 'fail');
  assert.equal(refused.sts.outcome === 'error' && refused.sts.code, 'AccessDenied');
  assert.match(refused.sts.outcome === 'error' ? refused.sts.message : '', /sts:TagSession/);
  assert.equal(refused.related[0]?.action, 'sts:TagSession');
  assert.equal(refused.context['aws:RequestTag/team'], 'data');
  assert.deepEqual(refused.context['aws:TagKeys'], ['team', 'cc']);
  assert.deepEqual(refused.context['sts:TransitiveTagKeys'], ['team']);

  const allowed = explain({ claims: tagged, policy: withTags });
  assert.equal(check(allowed, 'tag-session')?.status, 'pass');
  assert.deepEqual(allowed.sts, { outcome: 'success' });

  const many = Object.fromEntries(Array.from({ length: 51 }, (_, i) => [`k${i}`, ['v']]));
  const tooMany = explain({ claims: claims({ 'https://aws.amazon.com/tags': { principal_tags: many } }), policy: withTags });
  assert.equal(check(tooMany, 'session-tags')?.stsError, 'PackedPolicyTooLarge');
  assert.match(check(tooMany, 'session-tags')!.message, /51 session tags, at most 50/);
  const longKey = explain({ claims: claims({ 'https://aws.amazon.com/tags': { principal_tags: { ['k'.repeat(129)]: ['v'] } } }), policy: withTags });
  assert.equal(check(longKey, 'session-tags')?.stsError, 'InvalidIdentityToken');
  const longValue = explain({ claims: claims({ 'https://aws.amazon.com/tags': { principal_tags: { k: ['v'.repeat(257)] } } }), policy: withTags });
  assert.equal(check(longValue, 'session-tags')?.stsError, 'InvalidIdentityToken');
  const atLimits = explain({ claims: claims({ 'https://aws.amazon.com/tags': { principal_tags: { ['k'.repeat(128)]: ['v'.repeat(256)] } } }), policy: withTags });
  assert.equal(check(atLimits, 'session-tags')?.status, 'pass');
});

test('a source identity needs sts:SetSourceIdentity', () => {
  const source = claims({ 'https://aws.amazon.com/source_identity': 'alice' });
  assert.equal(check(explain({ claims: source }), 'set-source-identity')?.stsError, 'AccessDenied');
  const allowed = explain({ claims: source, policy: withTags });
  assert.equal(check(allowed, 'set-source-identity')?.status, 'pass');
  assert.equal(allowed.context['sts:SourceIdentity'], 'alice');
});

test('amr is multi-valued: ForAnyValue matches one of its values', () => {
  const mfaPolicy = JSON.stringify({
    Version: '2012-10-17',
    Statement: {
      Effect: 'Allow',
      Principal: { Federated: `arn:aws:iam::${ACCOUNT}:oidc-provider/${PREFIX}` },
      Action: 'sts:AssumeRoleWithWebIdentity',
      Condition: { 'ForAnyValue:StringEquals': { [`${PREFIX}:amr`]: 'mfa' } },
    },
  });
  assert.equal(explain({ policy: mfaPolicy, claims: claims({ amr: ['pwd', 'mfa'] }) }).decision, 'allow');
  assert.equal(explain({ policy: mfaPolicy, claims: claims({ amr: 'pwd' }) }).decision, 'deny');
  assert.equal(explain({ policy: mfaPolicy, claims: claims() }).decision, 'deny');
});

test('an explicit Deny wins over the Allow and is named', () => {
  const denyPolicy = JSON.stringify({
    Version: '2012-10-17',
    Statement: [
      { Effect: 'Allow', Principal: { Federated: `arn:aws:iam::${ACCOUNT}:oidc-provider/${PREFIX}` }, Action: 'sts:AssumeRoleWithWebIdentity' },
      { Sid: 'NoBots', Effect: 'Deny', Principal: '*', Action: 'sts:*', Condition: { StringLike: { [`${PREFIX}:sub`]: 'bot:*' } } },
    ],
  });
  const result = explain({ policy: denyPolicy, claims: claims({ sub: 'bot:1' }) });
  assert.equal(result.reason, 'explicit-deny');
  assert.deepEqual(result.decidingStatements, [1]);
  assert.match(result.sts.outcome === 'error' ? result.sts.message : '', /explicit deny by statement 1 "NoBots"/);
  assert.equal(explain({ policy: denyPolicy, claims: claims() }).decision, 'allow');
});

test('--action evaluates another action against the same context', () => {
  assert.equal(explain({ claims: claims(), action: 'sts:TagSession' }).decision, 'deny');
  assert.equal(explain({ claims: claims(), action: 'sts:TagSession', policy: withTags }).decision, 'allow');
  assert.throws(() => explain({ claims: claims(), action: 'nonsense' }), (e: unknown) => e instanceof RoleportError && /--action/.test(e.message));
});

test('bad input throws, naming the problem: malformed policy, malformed token, no issuer', () => {
  const malformed = (e: unknown): boolean => e instanceof RoleportError && e.code === 'ERR_POLICY_MALFORMED' && /Statement\[0\]\.Effect/.test(e.message);
  assert.throws(() => explain({ claims: claims(), policy: '{"Version":"2012-10-17","Statement":[{"Effect":"Maybe","Action":"sts:*","Principal":"*"}]}' }), malformed);
  for (const bad of ['a.b', 'x.y.z', `${Buffer.from('{}').toString('base64url')}.${Buffer.from('[1]').toString('base64url')}.s`, 'a.b.c.d.e']) {
    assert.throws(() => explain({ token: bad }), (e: unknown) => e instanceof RoleportError && e.code === 'ERR_TOKEN_INVALID', bad);
  }
  assert.throws(() => explain({ claims: claims({ iss: undefined }) }), (e: unknown) => e instanceof RoleportError && /give --provider/.test(e.message));
  // With --provider, a token without iss is explained: STS would refuse it for the missing claim.
  const noIss = explain({ claims: claims({ iss: undefined }), provider: ISSUER });
  assert.equal(check(noIss, 'issuer')?.message, 'Missing a required claim: iss');
});

test('jku, x5u and embedded jwk headers are reported as ignored, never followed', () => {
  const result = explain({ token: token({ alg: 'RS256', jku: 'https://evil.example/jwks', jwk: { kty: 'RSA' } }, claims()) });
  assert.ok(result.notes.some((n) => /jku\/x5u\/jwk\/x5c/.test(n)));
  assert.equal(result.decision, 'allow');
});

test('Cognito: --provider cognito-identity.amazonaws.com names the built-in provider bare, as the trust policy and AWS do', () => {
  const cognito = JSON.stringify({
    Version: '2012-10-17',
    Statement: [
      {
        Effect: 'Allow',
        Principal: { Federated: 'cognito-identity.amazonaws.com' },
        Action: 'sts:AssumeRoleWithWebIdentity',
        Condition: {
          StringEquals: { 'cognito-identity.amazonaws.com:aud': 'us-east-1:12345678-corner-cafe-123456790ab' },
          'ForAnyValue:StringLike': { 'cognito-identity.amazonaws.com:amr': 'authenticated' },
        },
      },
    ],
  });
  const identity = { iss: 'https://cognito-identity.amazonaws.com', sub: 'us-east-1:7e1b9c1e', aud: 'us-east-1:12345678-corner-cafe-123456790ab', amr: ['authenticated', 'accounts.google.com'], iat: NOW_S - 60, exp: NOW_S + 600 };
  for (const provider of ['cognito-identity.amazonaws.com', 'https://cognito-identity.amazonaws.com', undefined]) {
    const result = explainWebIdentity({ policy: cognito, claims: identity, provider, now: NOW });
    assert.equal(result.decision, 'allow', String(provider));
    assert.deepEqual(result.sts, { outcome: 'success' });
    assert.equal(result.provider.arn, 'cognito-identity.amazonaws.com');
    assert.equal(result.provider.accountSource, 'built-in');
    assert.equal(result.context['aws:FederatedProvider'], 'cognito-identity.amazonaws.com');
    assert.ok(!result.notes.some((note) => note.includes('placeholder')), 'no account is needed');
  }
  const unauthenticated = explainWebIdentity({ policy: cognito, claims: { ...identity, amr: ['unauthenticated'] }, provider: 'cognito-identity.amazonaws.com', now: NOW });
  assert.equal(unauthenticated.decision, 'deny');
  assert.equal(unauthenticated.failingConditions[0]?.key, 'cognito-identity.amazonaws.com:amr');
  const otherIssuer = explainWebIdentity({ policy: cognito, claims: { ...identity, iss: 'https://id.example.com' }, provider: 'cognito-identity.amazonaws.com', now: NOW });
  assert.equal(otherIssuer.sts.outcome === 'error' && otherIssuer.sts.code, 'InvalidIdentityToken');
});

test('transport, address and time are the STS\'s (an HTTPS call now) unless given, and the trace says when the decision hangs on one', () => {
  const tlsOnly = JSON.stringify({
    Version: '2012-10-17',
    Statement: [
      { Effect: 'Allow', Principal: { Federated: `arn:aws:iam::${ACCOUNT}:oidc-provider/${PREFIX}` }, Action: 'sts:AssumeRoleWithWebIdentity', Condition: { Bool: { 'aws:SecureTransport': 'true' }, IpAddress: { 'aws:SourceIp': '10.0.0.0/8' } } },
    ],
  });
  const assumed = explain({ policy: tlsOnly, claims: claims() });
  assert.equal(assumed.decision, 'deny', 'no source address: IpAddress fails');
  assert.ok(assumed.notes.some((note) => /hangs on aws:SecureTransport \("true", assumed.*--secure-transport/.test(note)), assumed.notes.join('\n'));
  assert.ok(assumed.notes.some((note) => /hangs on aws:SourceIp \(absent, assumed.*--source-ip/.test(note)));
  const given = explain({ policy: tlsOnly, claims: claims(), sourceIp: '10.1.2.3' });
  assert.equal(given.decision, 'allow');
  assert.ok(given.notes.some((note) => /aws:SourceIp \("10\.1\.2\.3", as given\)/.test(note)));
  assert.ok(given.notes.some((note) => /over plain HTTP \(aws:SecureTransport "false"\) the trust policy would deny/.test(note)));
  assert.equal(explain({ policy: tlsOnly, claims: claims(), sourceIp: '10.1.2.3', secureTransport: false }).decision, 'deny');
  // --at moves the clock: the token expires for the STS at the same moment.
  const later = explain({ claims: claims(), at: NOW + 3600 * 1000 + 300 * 1000 });
  assert.equal(later.sts.outcome === 'error' && later.sts.code, 'ExpiredTokenException');
  assert.equal(later.context['aws:CurrentTime'], '2030-01-01T13:05:00Z');
});

test('DurationSeconds against the role\'s MaxSessionDuration is a ValidationError, as the STS answers', () => {
  const over = explain({ claims: claims(), durationSeconds: 7200 });
  assert.equal(over.sts.outcome === 'error' && over.sts.code, 'ValidationError');
  assert.match(check(over, 'session-duration')!.message, /exceeds the MaxSessionDuration/);
  assert.deepEqual(explain({ claims: claims(), durationSeconds: 7200, maxSessionDurationSeconds: 7200 }).sts, { outcome: 'success' });
  assert.equal(check(explain({ claims: claims(), durationSeconds: 600 }), 'parameters')?.stsError, 'ValidationError');
  assert.equal(explain({ claims: claims(), roleTags: { env: 'prod' } }).context['iam:ResourceTag/env'], 'prod');
});
