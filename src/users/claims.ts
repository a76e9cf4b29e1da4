import { RoleportError, isSafeText, textProblem } from '../core/index.ts';
import { checkRoleArn, isRoleSessionName } from '../iam/index.ts';

/** Which ID-token claims carry what (config `sso.claims`). */
export interface ClaimNames {
  /** Tried in order; the first non-empty string is the username. */
  username: readonly string[];
  groups: string;
  roleArn: string;
  roleSessionName: string;
}

/** A value of the role claim that is not a valid IAM role ARN, and why. */
export interface RejectedClaimValue {
  value: unknown;
  reason: string;
}

/** What an ID token says about its user, read with the configured claim names. */
export interface IdentityClaims {
  subject: string;
  username: string;
  displayName: string | null;
  email: string | null;
  groups: string[];
  /** Absent when the token has no role claim: the roles set by the CLI then stay. */
  roleArns: { valid: string[]; rejected: RejectedClaimValue[] } | undefined;
  /** Absent or invalid session names are null (an invalid one is also in `rejectedSessionName`). */
  roleSessionName: string | null;
  rejectedSessionName: unknown;
}

const MAX_USERNAME_LENGTH = 255;
/** The users table's `subject` column (varchar(255)): a longer one would fit SQLite and not PostgreSQL. */
const MAX_SUBJECT_LENGTH = 255;
/** Display names, emails and group names longer than this, or holding control characters, are dropped. */
const MAX_PROFILE_TEXT = 1024;

/**
 * Reads the identity out of validated ID-token claims. Invalid role ARNs are dropped (and
 * reported in `rejected`), valid ones kept; a token without any usable username claim is
 * refused, since the user could not be told apart from anyone else.
 */
export function readIdentityClaims(claims: Readonly<Record<string, unknown>>, names: ClaimNames): IdentityClaims {
  const subject = claims['sub'];
  if (typeof subject !== 'string' || subject.length === 0) {
    throw new RoleportError('ERR_SSO_ACCOUNT', 'the ID token has no sub claim');
  }
  // The identity is stored and audited: safe text (core/text.ts) that fits its column on either database.
  const subjectProblem = textProblem("the ID token's sub claim", subject, { maxLength: MAX_SUBJECT_LENGTH });
  if (subjectProblem !== undefined) throw new RoleportError('ERR_SSO_ACCOUNT', subjectProblem);
  const username = readUsername(claims, names.username);
  const sessionName = claims[names.roleSessionName];
  const sessionNameValid = typeof sessionName === 'string' && isRoleSessionName(sessionName);
  return {
    subject,
    username,
    displayName: profileText(readDisplayName(claims)),
    email: typeof claims['email'] === 'string' && claims['email'].length > 0 ? profileText(claims['email']) : null,
    groups: readGroups(claims[names.groups]),
    roleArns: readRoleArns(claims[names.roleArn]),
    roleSessionName: sessionNameValid ? sessionName : null,
    rejectedSessionName: sessionName === undefined || sessionName === null || sessionNameValid ? undefined : sessionName,
  };
}

function readUsername(claims: Readonly<Record<string, unknown>>, names: readonly string[]): string {
  for (const name of names) {
    const value = claims[name];
    if (typeof value === 'string' && value.trim().length > 0) {
      const problem = textProblem(`the ID token's ${name} claim`, value, { maxLength: MAX_USERNAME_LENGTH });
      if (problem !== undefined) throw new RoleportError('ERR_SSO_ACCOUNT', problem);
      return value.trim();
    }
  }
  throw new RoleportError('ERR_SSO_ACCOUNT', `the ID token has none of the username claims ${names.join(', ')}`);
}

function readDisplayName(claims: Readonly<Record<string, unknown>>): string | null {
  if (typeof claims['name'] === 'string' && claims['name'].length > 0) return claims['name'];
  const parts = [claims['given_name'], claims['family_name']].filter((part): part is string => typeof part === 'string' && part.length > 0);
  return parts.length > 0 ? parts.join(' ') : null;
}

function readGroups(value: unknown): string[] {
  const usable = (group: unknown): group is string => typeof group === 'string' && group.length > 0 && profileText(group) !== null;
  if (typeof value === 'string') return usable(value) ? [value] : [];
  if (!Array.isArray(value)) return [];
  return [...new Set(value.filter(usable))];
}

/** A profile value the IdP sent, or null when it is not safe text of a sensible length (it is then left out). */
function profileText(value: string | null): string | null {
  return value !== null && value.length <= MAX_PROFILE_TEXT && isSafeText(value) ? value : null;
}

/** A string is one role, an array several; anything else is present but holds no valid role. */
function readRoleArns(value: unknown): IdentityClaims['roleArns'] {
  if (value === undefined || value === null) return undefined;
  const candidates: unknown[] = Array.isArray(value) ? value : [value];
  const valid: string[] = [];
  const rejected: RejectedClaimValue[] = [];
  for (const candidate of candidates) {
    if (typeof candidate !== 'string') {
      rejected.push({ value: candidate, reason: 'not a string' });
      continue;
    }
    const check = checkRoleArn(candidate.trim());
    if (!check.ok) rejected.push({ value: candidate, reason: check.reason });
    else if (!valid.includes(check.value.arn)) valid.push(check.value.arn);
  }
  return { valid, rejected };
}
