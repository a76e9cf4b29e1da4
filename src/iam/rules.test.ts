import { test } from 'node:test';
import assert from 'node:assert/strict';
import { partition as sdkPartition } from '@aws-sdk/core/client';
import {
  accountRootArn,
  assumedRoleArn,
  assumeRoleContext,
  assumeRoleWithWebIdentityContext,
  BUILT_IN_WEB_IDENTITY_PROVIDERS,
  callerContext,
  checkAlgorithm,
  checkRoleArn,
  checkSessionDuration,
  checkTags,
  checkWebIdentityClaims,
  clientIdsProblem,
  CLOCK_SKEW_SECONDS,
  DURATION_SECONDS,
  federatedPrincipal,
  isAccountId,
  isIamPath,
  isPartition,
  isPermissionSetName,
  isPolicyArn,
  isRegion,
  isRoleName,
  isRoleSessionName,
  isTagKey,
  isTagValue,
  maxSessionDurationProblem,
  normalizeProviderUrl,
  offlineOrigin,
  oidcProviderArn,
  packedPolicySize,
  parseArn,
  parseAssumedRoleArn,
  parseOidcProviderArn,
  parseProviderReference,
  parseRoleArn,
  parseUserArn,
  PARTITION_IDS,
  partitionOfRegion,
  permissionSetRolePattern,
  providerPrefix,
  providerUrlProblem,
  readAssumeRoleWithWebIdentityParams,
  readIssuer,
  readSourceIdentityClaim,
  readTagsClaim,
  readUnverifiedToken,
  regionalStsEndpoint,
  REQUIRED_CLAIMS,
  SUBJECT_LENGTH,
  ROLE_CHAINING_MAX_SECONDS,
  sanitizeRoleSessionName,
  SESSION_TAG_LIMITS,
  StsError,
  stsErrorStatus,
  TAGS_CLAIM,
  thumbprintsProblem,
  unknownProvider,
  WEB_IDENTITY_ALGORITHMS,
  WEB_IDENTITY_TOKEN_LENGTH,
  type StsErrorCode,
} from './index.ts';

const IAM = 'https://docs.aws.amazon.com/IAM/latest';
const STS = 'https://docs.aws.amazon.com/STS/latest/APIReference';
const ARNS = `${IAM}/UserGuide/reference-arns.html`;
const IDENTIFIERS = `${IAM}/UserGuide/reference_identifiers.html#identifiers-arns`;
const CREATE_ROLE = `${IAM}/APIReference/API_CreateRole.html`;
const CREATE_USER = `${IAM}/APIReference/API_CreateUser.html`;
const CREATE_OIDC = `${IAM}/APIReference/API_CreateOpenIDConnectProvider.html`;
const OIDC_PROVIDERS = `${IAM}/UserGuide/id_roles_providers_create_oidc.html`;
const WIF_KEYS = `${IAM}/UserGuide/reference_policies_iam-condition-keys.html#condition-keys-wif`;
const STS_KEYS = `${IAM}/UserGuide/reference_policies_iam-condition-keys.html#condition-keys-sts`;
const GLOBAL_KEYS = `${IAM}/UserGuide/reference_policies_condition-keys.html`;
const PRINCIPAL = `${IAM}/UserGuide/reference_policies_elements_principal.html#principal-federated-web-identity`;
const COGNITO = 'https://docs.aws.amazon.com/cognito/latest/developerguide/role-trust-and-permissions.html';
const WEB_IDENTITY = `${STS}/API_AssumeRoleWithWebIdentity.html`;
const ASSUME_ROLE = `${STS}/API_AssumeRole.html`;
const SESSION_TAGS = `${IAM}/UserGuide/id_session-tags.html`;
const SOURCE_IDENTITY = `${IAM}/UserGuide/id_credentials_temp_control-access_monitor.html`;
const SDK_PARTITIONS = 'https://github.com/aws/aws-sdk-js-v3/blob/main/packages/util-endpoints/src/lib/aws/partitions.json';

const ACCOUNT = '123456789012';
const NOW = 1_900_000_000;

function stsCode(run: () => unknown): StsErrorCode | 'none' {
  try {
    run();
    return 'none';
  } catch (error) {
    assert.ok(error instanceof StsError, `expected an StsError, got ${String(error)}`);
    return error.awsCode;
  }
}

const claims = (extra: Record<string, unknown> = {}): Record<string, unknown> => ({ iss: 'https://id.example.com', sub: 'user:alice', aud: 'sts.amazonaws.com', iat: NOW - 60, exp: NOW + 600, ...extra });
const check = (values: Record<string, unknown>, clientIds: readonly string[] | undefined = ['sts.amazonaws.com'], maxTokenAgeSeconds?: number) =>
  stsCode(() => checkWebIdentityClaims(values, { clientIds, now: NOW, maxTokenAgeSeconds }));
const encode = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');

/** Each rule of src/iam, the page it comes from, and cases that pin it. */
const rules: { rule: string; source: string; check: () => void }[] = [
  {
    rule: 'partitions, their regions and DNS suffixes are the AWS SDK\'s',
    source: SDK_PARTITIONS,
    check: () => {
      assert.deepEqual([...PARTITION_IDS].sort(), ['aws', 'aws-cn', 'aws-eusc', 'aws-iso', 'aws-iso-b', 'aws-iso-e', 'aws-iso-f', 'aws-us-gov']);
      for (const region of ['us-east-1', 'eu-central-1', 'ap-southeast-5', 'mx-central-1', 'cn-north-1', 'us-gov-west-1', 'us-iso-east-1', 'us-isob-east-1', 'eu-isoe-west-1', 'us-isof-south-1', 'eusc-de-east-1']) {
        const sdk = sdkPartition(region);
        assert.equal(partitionOfRegion(region).id, sdk.name, region);
        assert.equal(partitionOfRegion(region).dnsSuffix, sdk.dnsSuffix, region);
      }
    },
  },
  {
    rule: 'the regional STS endpoint is sts.<region>.<partition DNS suffix>',
    source: `${IAM}/UserGuide/id_credentials_temp_region-endpoints.html`,
    check: () => {
      assert.equal(regionalStsEndpoint('eu-central-1'), 'https://sts.eu-central-1.amazonaws.com');
      assert.equal(regionalStsEndpoint('cn-northwest-1'), 'https://sts.cn-northwest-1.amazonaws.com.cn');
      assert.equal(regionalStsEndpoint('us-isob-east-1'), 'https://sts.us-isob-east-1.sc2s.sgov.gov');
      assert.equal(isRegion('us-gov-west-1'), true);
      assert.equal(isRegion('us-east'), false);
      assert.equal(isRegion('US-EAST-1'), false);
    },
  },
  {
    rule: 'an ARN is arn:partition:service:region:account:resource; the resource may hold colons',
    source: ARNS,
    check: () => {
      assert.deepEqual(parseArn('arn:aws:iam::123456789012:role/a:b'), { partition: 'aws', service: 'iam', region: '', account: ACCOUNT, resource: 'role/a:b' });
      assert.equal(parseArn('arn:aws:iam::123456789012'), undefined);
      assert.equal(parseArn('ARN:aws:iam::123456789012:role/x'), undefined);
    },
  },
  {
    rule: 'account IDs are 12 digits',
    source: 'https://docs.aws.amazon.com/accounts/latest/reference/manage-acct-identifiers.html',
    check: () => {
      assert.equal(isAccountId(ACCOUNT), true);
      for (const bad of ['12345678901', '1234567890123', 'abcdefghijkl', '']) assert.equal(isAccountId(bad), false, bad);
    },
  },
  {
    rule: 'role and user names: 1-64 of [\\w+=,.@-]',
    source: `${CREATE_ROLE} (RoleName), ${CREATE_USER} (UserName)`,
    check: () => {
      for (const good of ['R', 'Role+=,.@_-1', 'r'.repeat(64)]) assert.equal(isRoleName(good), true, good);
      for (const bad of ['', 'r'.repeat(65), 'has space', 'a/b', 'é', 'a~b']) assert.equal(isRoleName(bad), false, bad);
    },
  },
  {
    rule: 'paths: / alone, or up to 512 printable ASCII characters (! to ~) that begin and end with /',
    source: `${CREATE_ROLE} (Path: (\\u002F)|(\\u002F[\\u0021-\\u007E]+\\u002F))`,
    check: () => {
      for (const good of ['/', '/team/', '/team~x/', '/a/b/c/', '/aws-reserved/sso.amazonaws.com/eu-west-1/', `/${'p'.repeat(510)}/`]) assert.equal(isIamPath(good), true, good);
      for (const bad of ['', 'team/', '/team', '/pa th/', '/é/', `/${'p'.repeat(511)}/`]) assert.equal(isIamPath(bad), false, bad);
    },
  },
  {
    rule: 'role ARNs: arn:PARTITION:iam::ACCOUNT:role/[PATH/]NAME in every partition; the issue\'s disagreeing cases agree now',
    source: IDENTIFIERS,
    check: () => {
      assert.deepEqual(parseRoleArn('arn:aws:iam::123456789012:role/team~x/app'), { arn: 'arn:aws:iam::123456789012:role/team~x/app', partition: 'aws', account: ACCOUNT, path: '/team~x/', name: 'app' });
      assert.deepEqual(parseRoleArn('arn:aws-iso:iam::123456789012:role/app'), { arn: 'arn:aws-iso:iam::123456789012:role/app', partition: 'aws-iso', account: ACCOUNT, path: '/', name: 'app' });
      assert.equal(parseRoleArn('arn:aws-us-gov:iam::333333333333:role/team/data/Role+=,.@_-1')?.path, '/team/data/');
      const refused: Array<[string, RegExp]> = [
        ['', /not an ARN/],
        ['arn:aws:iam::111111111111', /not an ARN/],
        ['arn:aws-mars:iam::111111111111:role/R', /partition "aws-mars"/],
        ['arn:aws:sts::111111111111:role/R', /service "sts"/],
        ['arn:aws:iam:us-east-1:111111111111:role/R', /no region/],
        ['arn:aws:iam::11111111111:role/R', /12 digits/],
        ['arn:aws:iam::111111111111:user/R', /not a role/],
        ['arn:aws:iam::111111111111:role/', /role name ""/],
        [`arn:aws:iam::111111111111:role/${'r'.repeat(65)}`, /role name/],
        ['arn:aws:iam::111111111111:role/has space', /role name/],
        ['arn:aws:iam::111111111111:role/pa th/R', /role path/],
        [`arn:aws:iam::111111111111:role/${'p'.repeat(2048)}/R`, /longer than 2048/],
      ];
      for (const [arn, reason] of refused) {
        const result = checkRoleArn(arn);
        assert.equal(result.ok, false, arn);
        assert.match(result.ok ? '' : result.reason, reason, arn);
      }
    },
  },
  {
    rule: 'user ARNs, and a role session\'s ARN, which names the role without its path',
    source: IDENTIFIERS,
    check: () => {
      assert.equal(parseUserArn('arn:aws:iam::123456789012:user/division/alice')?.name, 'alice');
      assert.equal(parseUserArn('arn:aws:iam::123456789012:role/alice'), undefined);
      const role = parseRoleArn('arn:aws-us-gov:iam::123456789012:role/team/a/Reader')!;
      assert.equal(assumedRoleArn(role, 's1'), 'arn:aws-us-gov:sts::123456789012:assumed-role/Reader/s1');
      assert.deepEqual(parseAssumedRoleArn('arn:aws:sts::123456789012:assumed-role/Reader/s1'), { arn: 'arn:aws:sts::123456789012:assumed-role/Reader/s1', partition: 'aws', account: ACCOUNT, roleName: 'Reader', sessionName: 's1' });
      assert.equal(parseAssumedRoleArn('arn:aws:sts::123456789012:assumed-role/Reader/s'), undefined, 'session names are 2-64');
      assert.equal(accountRootArn('aws', ACCOUNT), 'arn:aws:iam::123456789012:root');
    },
  },
  {
    rule: 'PolicyArns take managed policy ARNs, an account or aws',
    source: `${STS}/API_PolicyDescriptorType.html`,
    check: () => {
      assert.equal(isPolicyArn('arn:aws:iam::aws:policy/ReadOnlyAccess'), true);
      assert.equal(isPolicyArn('arn:aws:iam::123456789012:policy/team/Mine'), true);
      assert.equal(isPolicyArn('arn:aws:iam::123456789012:role/Mine'), false);
    },
  },
  {
    rule: 'permission set names: 1-32 of [\\w+=,.@-]; their roles live under aws-reserved/sso.amazonaws.com/',
    source: 'https://docs.aws.amazon.com/singlesignon/latest/APIReference/API_CreatePermissionSet.html',
    check: () => {
      assert.equal(isPermissionSetName('DataScientist'), true);
      assert.equal(isPermissionSetName('x'.repeat(33)), false);
      assert.equal(permissionSetRolePattern('aws', ACCOUNT, 'Data'), 'arn:aws:iam::123456789012:role/aws-reserved/sso.amazonaws.com/*AWSReservedSSO_Data_*');
    },
  },
  {
    rule: 'a provider\'s URL, ARN and condition-key prefix: the URL without scheme or trailing slash, path kept (and, locally, the port)',
    source: `${WIF_KEYS}; ${OIDC_PROVIDERS}`,
    check: () => {
      assert.equal(providerPrefix('https://token.example.com/tenant/a/'), 'token.example.com/tenant/a');
      assert.equal(providerPrefix('http://127.0.0.1:8080'), '127.0.0.1:8080');
      assert.equal(normalizeProviderUrl('https://a.example.com//'), 'https://a.example.com');
      const arn = oidcProviderArn('aws', ACCOUNT, providerPrefix('https://id.example.com/x'));
      assert.equal(arn, 'arn:aws:iam::123456789012:oidc-provider/id.example.com/x');
      assert.deepEqual(parseOidcProviderArn(arn), { arn, partition: 'aws', account: ACCOUNT, prefix: 'id.example.com/x' });
      for (const bad of ['arn:aws:iam::1234:oidc-provider/x', 'arn:aws:iam::123456789012:role/x', 'arn:aws:iam::123456789012:oidc-provider/', 'arn:aws:iam::123456789012:oidc-provider/x/']) assert.equal(parseOidcProviderArn(bad), undefined, bad);
    },
  },
  {
    rule: 'provider URLs: http(s) (https only at AWS), no query, fragment or credentials, at most 255 characters',
    source: CREATE_OIDC,
    check: () => {
      assert.equal(providerUrlProblem('https://idp.example.com/path'), undefined);
      assert.equal(providerUrlProblem('http://127.0.0.1:9000'), undefined);
      assert.match(providerUrlProblem('ftp://idp') ?? '', /https/);
      assert.match(providerUrlProblem('https://idp.example.com?x') ?? '', /query/);
      assert.match(providerUrlProblem('https://u:p@idp.example.com') ?? '', /credentials/);
      assert.match(providerUrlProblem(`https://idp.example.com/${'a'.repeat(240)}`) ?? '', /255/);
    },
  },
  {
    rule: 'a provider has 1-100 client IDs of 1-255 characters and at most 5 SHA-1 thumbprints',
    source: CREATE_OIDC,
    check: () => {
      assert.equal(clientIdsProblem(['sts.amazonaws.com']), undefined);
      assert.match(clientIdsProblem([]) ?? '', /at least one/);
      assert.match(clientIdsProblem(Array.from({ length: 101 }, (_, i) => `c${i}`)) ?? '', /100/);
      assert.match(clientIdsProblem(['x'.repeat(256)]) ?? '', /1-255/);
      assert.equal(thumbprintsProblem(['a'.repeat(40)]), undefined);
      assert.match(thumbprintsProblem(['abc']) ?? '', /40 hex/);
      assert.match(thumbprintsProblem(Array.from({ length: 6 }, (_, i) => String(i).repeat(40))) ?? '', /at most 5/);
    },
  },
  {
    rule: 'built-in providers (Cognito, Google, Facebook, Amazon) are named bare in Principal.Federated and as their key prefix',
    source: `${PRINCIPAL}; ${COGNITO}`,
    check: () => {
      assert.ok(BUILT_IN_WEB_IDENTITY_PROVIDERS.includes('cognito-identity.amazonaws.com'));
      assert.equal(federatedPrincipal('cognito-identity.amazonaws.com', 'aws', ACCOUNT), 'cognito-identity.amazonaws.com');
      assert.equal(federatedPrincipal('token.example.com', 'aws-cn', ACCOUNT), 'arn:aws-cn:iam::123456789012:oidc-provider/token.example.com');
      assert.deepEqual(parseProviderReference('cognito-identity.amazonaws.com'), { kind: 'built-in', url: 'https://cognito-identity.amazonaws.com', prefix: 'cognito-identity.amazonaws.com' });
      assert.deepEqual(parseProviderReference('https://cognito-identity.amazonaws.com/'), { kind: 'built-in', url: 'https://cognito-identity.amazonaws.com', prefix: 'cognito-identity.amazonaws.com' });
      assert.equal(parseProviderReference('token.example.com/a').kind, 'url');
      assert.equal(parseProviderReference('arn:aws:iam::123456789012:oidc-provider/token.example.com').kind, 'arn');
    },
  },
  {
    rule: 'RoleSessionName and SourceIdentity: 2-64 of [\\w+=,.@-]; a sanitized name keeps what it can',
    source: `${WEB_IDENTITY}#API_AssumeRoleWithWebIdentity_RequestParameters; ${SOURCE_IDENTITY}`,
    check: () => {
      for (const [name, expected] of [['alice', true], ['a', false], ['alice.ws-3f2a', true], ['a'.repeat(64), true], ['a'.repeat(65), false], ['al ice', false], ['al/ice', false], ['user@example.com', true]] as const) {
        assert.equal(isRoleSessionName(name), expected, name);
      }
      for (const [input, output] of [['alice smith', 'alice-smith'], ['a', 'a-'], ['', '--'], ['josé', 'jos-'], ['x'.repeat(80), 'x'.repeat(64)], ['名前', '--']] as const) {
        assert.equal(sanitizeRoleSessionName(input), output);
        assert.equal(isRoleSessionName(sanitizeRoleSessionName(input)), true);
      }
    },
  },
  {
    rule: 'parameters: RoleArn 20-2048, DurationSeconds 900-43200, WebIdentityToken 4-20000; all violations in one ValidationError',
    source: `${WEB_IDENTITY}#API_AssumeRoleWithWebIdentity_RequestParameters`,
    check: () => {
      const params = { RoleArn: `arn:aws:iam::${ACCOUNT}:role/R`, RoleSessionName: 'alice', WebIdentityToken: 'abcd' };
      assert.equal(readAssumeRoleWithWebIdentityParams(params).roleArn.name, 'R');
      assert.deepEqual([DURATION_SECONDS.min, DURATION_SECONDS.max, DURATION_SECONDS.default], [900, 43200, 3600]);
      assert.deepEqual([WEB_IDENTITY_TOKEN_LENGTH.min, WEB_IDENTITY_TOKEN_LENGTH.max], [4, 20000]);
      assert.equal(stsCode(() => readAssumeRoleWithWebIdentityParams({ ...params, DurationSeconds: '899' })), 'ValidationError');
      assert.equal(stsCode(() => readAssumeRoleWithWebIdentityParams({ ...params, WebIdentityToken: 'abc' })), 'ValidationError');
      assert.throws(() => readAssumeRoleWithWebIdentityParams({ ...params, RoleSessionName: 'a b', DurationSeconds: '43201' }), /^.*2 validation errors detected/);
      assert.equal(stsCode(() => readAssumeRoleWithWebIdentityParams({ ...params, RoleArn: 'arn:aws:iam::123456789012:user/R' })), 'ValidationError');
    },
  },
  {
    rule: 'a role\'s MaxSessionDuration is 3600-43200; DurationSeconds may not exceed it, nor one hour when chaining',
    source: `${CREATE_ROLE} (MaxSessionDuration); ${ASSUME_ROLE}; ${IAM}/UserGuide/id_roles_terms-and-concepts.html#iam-term-role-chaining`,
    check: () => {
      assert.equal(maxSessionDurationProblem(3600), undefined);
      assert.match(maxSessionDurationProblem(3599) ?? '', /3600 to 43200/);
      assert.match(maxSessionDurationProblem(43201) ?? '', /3600 to 43200/);
      assert.equal(checkSessionDuration(undefined, 3600, false), 3600);
      assert.equal(checkSessionDuration(43200, 43200, false), 43200);
      assert.throws(() => checkSessionDuration(7200, 3600, false), /exceeds the MaxSessionDuration/);
      assert.equal(ROLE_CHAINING_MAX_SECONDS, 3600);
      assert.throws(() => checkSessionDuration(7200, 43200, true), /1 hour session limit/);
    },
  },
  {
    rule: 'tokens: a signed JWT of RS256/384/512 or ES256/384/512 — never none, HS*, PS* or EdDSA',
    source: `${OIDC_PROVIDERS}; https://aws.amazon.com/about-aws/whats-new/2024/11/aws-sts-support-ecdsa-based-signatures-oidc-jwt/`,
    check: () => {
      assert.deepEqual([...WEB_IDENTITY_ALGORITHMS], ['RS256', 'RS384', 'RS512', 'ES256', 'ES384', 'ES512']);
      for (const alg of WEB_IDENTITY_ALGORITHMS) assert.equal(checkAlgorithm({ alg }), alg);
      for (const alg of ['none', 'HS256', 'PS256', 'EdDSA', undefined]) assert.equal(stsCode(() => checkAlgorithm({ alg })), 'InvalidIdentityToken', String(alg));
      assert.equal(stsCode(() => readUnverifiedToken('not-a-jwt')), 'InvalidIdentityToken');
      assert.equal(stsCode(() => readUnverifiedToken(`${encode({ alg: 'RS256' })}.${encode([1])}.sig`)), 'InvalidIdentityToken');
      assert.equal(readUnverifiedToken(`${encode({ alg: 'none' })}.${encode({ a: 1 })}.`).signed, false);
    },
  },
  {
    rule: 'iss must be the URL of a registered provider: No OpenIDConnect provider found in your account for …',
    source: `${WEB_IDENTITY}#API_AssumeRoleWithWebIdentity_Errors`,
    check: () => {
      assert.equal(readIssuer({ iss: 'https://id.example.com' }), 'https://id.example.com');
      assert.equal(stsCode(() => readIssuer({})), 'InvalidIdentityToken');
      assert.equal(stsCode(() => readIssuer({ iss: 42 })), 'InvalidIdentityToken');
      assert.match(unknownProvider('https://x.example.com').message, /^No OpenIDConnect provider found in your account for https:\/\/x\.example\.com$/);
    },
  },
  {
    rule: 'required claims iss, sub, aud, exp, iat; whole-second timestamps',
    source: OIDC_PROVIDERS,
    check: () => {
      assert.deepEqual([...REQUIRED_CLAIMS], ['iss', 'sub', 'aud', 'exp', 'iat']);
      assert.equal(check(claims()), 'none');
      for (const name of REQUIRED_CLAIMS) assert.equal(check(claims({ [name]: undefined })), 'InvalidIdentityToken', name);
      assert.equal(check(claims({ exp: NOW + 0.5 })), 'InvalidIdentityToken');
      assert.equal(check(claims({ sub: '' })), 'InvalidIdentityToken');
    },
  },
  {
    rule: 'sub comes back as SubjectFromWebIdentityToken, 6-255 characters (webIdentitySubjectType)',
    source: `${WEB_IDENTITY}#API_AssumeRoleWithWebIdentity_ResponseElements; the STS API model (botocore sts/2011-06-15/service-2.json)`,
    check: () => {
      assert.deepEqual(SUBJECT_LENGTH, { min: 6, max: 255 });
    },
  },
  {
    rule: 'aud must be a client ID of the provider (Incorrect token audience); several values need azp naming a registered one, which is used',
    source: `${WEB_IDENTITY}#API_AssumeRoleWithWebIdentity_Errors; https://openid.net/specs/openid-connect-core-1_0.html#IDTokenValidation (documented choice: AWS says nothing)`,
    check: () => {
      assert.equal(check(claims({ aud: 'other' })), 'InvalidIdentityToken');
      assert.equal(check(claims({ aud: ['a', 'sts.amazonaws.com'] })), 'InvalidIdentityToken', 'no azp');
      assert.equal(check(claims({ aud: ['a', 'sts.amazonaws.com'], azp: 'sts.amazonaws.com' })), 'none');
      assert.equal(check(claims({ aud: ['a', 'sts.amazonaws.com'], azp: 'a' })), 'InvalidIdentityToken', 'azp not registered');
      assert.equal(checkWebIdentityClaims(claims({ aud: ['a', 'sts.amazonaws.com'], azp: 'sts.amazonaws.com' }), { clientIds: ['sts.amazonaws.com'], now: NOW }).audience, 'sts.amazonaws.com');
      assert.equal(check(claims({ aud: [] })), 'InvalidIdentityToken');
      assert.equal(stsCode(() => checkWebIdentityClaims(claims({ aud: 'anything' }), { clientIds: undefined, now: NOW })), 'none', 'explain without --client-id does not check the list');
    },
  },
  {
    rule: 'five minutes of clock skew past exp (ExpiredTokenException), and before nbf and iat (InvalidIdentityToken); an optional maximum age (Token too old)',
    source: `${OIDC_PROVIDERS}; ${WEB_IDENTITY}#API_AssumeRoleWithWebIdentity_Errors`,
    check: () => {
      assert.equal(CLOCK_SKEW_SECONDS, 300);
      assert.equal(check(claims({ exp: NOW - 299 })), 'none');
      assert.equal(check(claims({ exp: NOW - 300 })), 'ExpiredTokenException');
      assert.equal(check(claims({ iat: NOW + 300 })), 'none');
      assert.equal(check(claims({ iat: NOW + 301 })), 'InvalidIdentityToken');
      assert.equal(check(claims({ nbf: NOW + 301 })), 'InvalidIdentityToken');
      assert.equal(check(claims({ iat: NOW - 3601 }), ['sts.amazonaws.com'], 3600), 'ExpiredTokenException');
    },
  },
  {
    rule: 'amr is multi-valued: a string is one value; anything else is refused',
    source: WIF_KEYS,
    check: () => {
      assert.deepEqual(checkWebIdentityClaims(claims({ amr: 'mfa' }), { clientIds: ['sts.amazonaws.com'], now: NOW }).amr, ['mfa']);
      assert.equal(check(claims({ amr: [1] })), 'InvalidIdentityToken');
    },
  },
  {
    rule: 'session tags: {principal_tags: {K: [v]}, transitive_tag_keys}; at most 50, keys 1-128, values 0-256 of letters, digits, spaces and _.:/=+-@; no aws: prefix, no case-only duplicates',
    source: `${SESSION_TAGS}#id_session-tags_adding-assume-role-idp; ${SESSION_TAGS}#id_session-tags_know`,
    check: () => {
      assert.deepEqual(SESSION_TAG_LIMITS, { tags: 50, keyLength: 128, valueLength: 256 });
      assert.deepEqual(readTagsClaim({ [TAGS_CLAIM]: { principal_tags: { team: ['data'] }, transitive_tag_keys: ['team'] } }), { tags: { team: 'data' }, transitiveTagKeys: ['team'] });
      assert.equal(stsCode(() => readTagsClaim({ [TAGS_CLAIM]: { principal_tags: { team: 'data' } } })), 'InvalidIdentityToken');
      assert.equal(stsCode(() => checkTags(Object.fromEntries(Array.from({ length: 51 }, (_, i) => [`k${i}`, 'v'])), (reason) => new Error(reason))), 'PackedPolicyTooLarge');
      assert.throws(() => checkTags({ 'aws:x': 'v' }, (reason) => new Error(reason)), /aws:/);
      assert.throws(() => checkTags({ Team: 'a', team: 'b' }, (reason) => new Error(reason)), /case/);
      assert.equal(isTagKey('k'.repeat(128)), true);
      assert.equal(isTagKey('k'.repeat(129)), false);
      assert.equal(isTagValue('v'.repeat(256)), true);
      assert.equal(isTagValue('a;b'), false);
      assert.equal(packedPolicySize(undefined, {}), undefined);
    },
  },
  {
    rule: 'source identity claim https://aws.amazon.com/source_identity follows the session-name rule',
    source: SOURCE_IDENTITY,
    check: () => {
      assert.equal(readSourceIdentityClaim({ 'https://aws.amazon.com/source_identity': 'alice' }), 'alice');
      assert.equal(stsCode(() => readSourceIdentityClaim({ 'https://aws.amazon.com/source_identity': 'a' })), 'InvalidIdentityToken');
    },
  },
  {
    rule: 'STS error codes and their HTTP statuses',
    source: `${WEB_IDENTITY}#API_AssumeRoleWithWebIdentity_Errors; ${STS}/CommonErrors.html`,
    check: () => {
      assert.equal(stsErrorStatus.InvalidIdentityToken, 400);
      assert.equal(stsErrorStatus.ExpiredTokenException, 400);
      assert.equal(stsErrorStatus.IDPRejectedClaim, 403);
      assert.equal(stsErrorStatus.AccessDenied, 403);
      assert.equal(stsErrorStatus.ValidationError, 400);
      assert.equal(stsErrorStatus.PackedPolicyTooLarge, 400);
    },
  },
  {
    rule: 'AssumeRoleWithWebIdentity context: <prefix>:aud/:sub/:azp/:amr, sts:RoleSessionName, aws:FederatedProvider, request tags, source identity, role tags, transport, address, time',
    source: `${WIF_KEYS}; ${STS_KEYS}; ${GLOBAL_KEYS}`,
    check: () => {
      const { origin } = offlineOrigin({ sourceIp: '192.0.2.1', at: Date.UTC(2030, 0, 1) }, 0);
      const context = assumeRoleWithWebIdentityContext({
        origin,
        roleTags: { env: 'prod' },
        provider: { prefix: 'cognito-identity.amazonaws.com', principal: federatedPrincipal('cognito-identity.amazonaws.com', 'aws', ACCOUNT) },
        claims: { audience: 'us-east-1:pool', subject: 'us-east-1:id', azp: undefined, amr: ['authenticated'], sessionTags: { tags: { team: 'data' }, transitiveTagKeys: ['team'] }, sourceIdentity: 'alice' },
        roleSessionName: 'app',
      });
      assert.deepEqual(context, {
        'aws:CurrentTime': '2030-01-01T00:00:00Z',
        'aws:EpochTime': String(Date.UTC(2030, 0, 1) / 1000),
        'aws:SecureTransport': 'true',
        'aws:SourceIp': '192.0.2.1',
        'iam:ResourceTag/env': 'prod',
        'aws:ResourceTag/env': 'prod',
        'cognito-identity.amazonaws.com:aud': 'us-east-1:pool',
        'cognito-identity.amazonaws.com:sub': 'us-east-1:id',
        'cognito-identity.amazonaws.com:amr': ['authenticated'],
        'sts:RoleSessionName': 'app',
        'aws:FederatedProvider': 'cognito-identity.amazonaws.com',
        'aws:TagKeys': ['team'],
        'aws:RequestTag/team': 'data',
        'sts:TransitiveTagKeys': ['team'],
        'sts:SourceIdentity': 'alice',
      });
    },
  },
  {
    rule: 'AssumeRole context: the caller (aws:PrincipalArn is the role\'s for a session), session tags, name, source identity, ExternalId',
    source: `${GLOBAL_KEYS}#condition-keys-principalarn; ${STS_KEYS}`,
    check: () => {
      assert.equal(callerContext({ kind: 'user', arn: 'arn:aws:iam::123456789012:user/u', account: ACCOUNT, userId: 'AIDA', userName: 'u' })['aws:PrincipalType'], 'User');
      const context = assumeRoleContext({
        origin: { secureTransport: false, sourceIp: undefined, now: 0 },
        roleTags: {},
        caller: { kind: 'assumed-role', roleArn: 'arn:aws:iam::123456789012:role/path/R', account: ACCOUNT, userId: 'AROA:s', sessionTags: { team: 'data' }, sourceIdentity: 'alice' },
        roleSessionName: 's2',
        tags: {},
        transitiveTagKeys: [],
        sourceIdentity: 'alice',
        externalId: 'x-1',
      });
      assert.equal(context['aws:PrincipalArn'], 'arn:aws:iam::123456789012:role/path/R');
      assert.equal(context['aws:PrincipalTag/team'], 'data');
      assert.equal(context['aws:SecureTransport'], 'false');
      assert.equal(context['sts:ExternalId'], 'x-1');
      assert.equal(context['aws:SourceIp'], undefined);
    },
  },
];

for (const { rule, source, check: run } of rules) {
  test(`${rule} (${source})`, run);
}

test('every exported partition is one isPartition accepts, and no other', () => {
  for (const id of PARTITION_IDS) assert.equal(isPartition(id), true);
  assert.equal(isPartition('aws-mars'), false);
});
