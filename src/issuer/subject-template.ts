import { invalidInput } from '../core/index.ts';
import { SUBJECT_LENGTH } from '../iam/index.ts';

/**
 * `sub` templates: `user:{username}:role:{account_id}:{role_name}` — literal text and
 * `{placeholder}`s. Trust policies match `sub` with `StringLike`, and `sub` is one of the few
 * claims AWS evaluates for a generic OIDC provider (with `aud`, `amr`, `azp`), so a template
 * that names the role a token was minted for lets the role's trust policy refuse tokens
 * minted for any other role.
 * @see https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_iam-condition-keys.html#condition-keys-wif
 */

/**
 * Placeholders filled from the token's role. Both are needed: a role name alone is reused in
 * other accounts. The path is not: IAM role names are unique within an account whatever
 * their path (case-insensitively).
 */
export const ROLE_PLACEHOLDERS = ['account_id', 'role_name'] as const;


/** Characters a role name (and an account id) may hold: a role placeholder must be fenced by others. */
const ROLE_NAME_CHARACTER = /[\w+=,.@-]/;
const PLACEHOLDER = /\{([a-z_][a-z0-9_]*)\}/gi;

export type SubjectTemplatePiece = { literal: string } | { placeholder: string };

/** How a template ties tokens to roles. */
export type SubjectBinding =
  /** The role part sits at one end of `sub` (`anchor`), fenced off from the other values. */
  | { kind: 'bound'; anchor: 'prefix' | 'suffix' }
  /** No role placeholder: every token of a user matches every role that trusts the user. */
  | { kind: 'unbound' }
  /** Role placeholders placed so that a crafted value of another placeholder could imitate them. */
  | { kind: 'invalid'; problem: string };

/** Splits a template into literal text and placeholders, in order. */
export function parseSubjectTemplate(template: string): SubjectTemplatePiece[] {
  const pieces: SubjectTemplatePiece[] = [];
  let last = 0;
  for (const match of template.matchAll(PLACEHOLDER)) {
    if (match.index > last) pieces.push({ literal: template.slice(last, match.index) });
    pieces.push({ placeholder: match[1]! });
    last = match.index + match[0].length;
  }
  if (last < template.length) pieces.push({ literal: template.slice(last) });
  return pieces;
}

/**
 * Renders a template such as `user:{username}:role:{account_id}:{role_name}`. A placeholder
 * with no value is an error rather than an empty string that could widen a `*` match, and so
 * is a `sub` outside the 6–255 characters STS takes.
 */
export function renderSubject(template: string, values: Readonly<Record<string, string | undefined>>): string {
  const subject = parseSubjectTemplate(template)
    .map((piece) => {
      if ('literal' in piece) return piece.literal;
      const value = values[piece.placeholder];
      if (value === undefined || value.length === 0) throw invalidInput(`subject template ${template}: no value for {${piece.placeholder}}`);
      return value;
    })
    .join('');
  if (subject.length < SUBJECT_LENGTH.min || subject.length > SUBJECT_LENGTH.max) {
    throw invalidInput(`subject template ${template} renders a sub of ${subject.length} characters (${JSON.stringify(subject.slice(0, 40))}…); STS takes ${SUBJECT_LENGTH.min}-${SUBJECT_LENGTH.max}`);
  }
  return subject;
}

/**
 * Whether a template binds tokens to their role in a way a `StringLike` pattern can check:
 * `{account_id}` and `{role_name}` once each, together at one end of the template (no other
 * placeholder before them, or none after), and each fenced by the template's edge or a
 * character no role name holds (such as `:` or `/`). Then the pattern that fixes the role's
 * values and turns the other placeholders into `*` matches only subjects rendered for that
 * role: no username can end (or start) with another role's fenced part.
 */
export function subjectTemplateBinding(template: string): SubjectBinding {
  const pieces = parseSubjectTemplate(template);
  const isRole = (piece: SubjectTemplatePiece): boolean => 'placeholder' in piece && (ROLE_PLACEHOLDERS as readonly string[]).includes(piece.placeholder);
  const roleIndexes = pieces.flatMap((piece, index) => (isRole(piece) ? [index] : []));
  if (roleIndexes.length === 0) return { kind: 'unbound' };
  for (const name of ROLE_PLACEHOLDERS) {
    const count = pieces.filter((piece) => 'placeholder' in piece && piece.placeholder === name).length;
    if (count !== 1) return { kind: 'invalid', problem: `must name {${name}} exactly once (it has ${count}); a role is its account and its name` };
  }
  const first = roleIndexes[0]!;
  const last = roleIndexes.at(-1)!;
  const isOther = (piece: SubjectTemplatePiece): boolean => 'placeholder' in piece && !isRole(piece);
  if (pieces.slice(first, last).some(isOther)) return { kind: 'invalid', problem: '{account_id} and {role_name} must not have another placeholder between them' };
  const otherBefore = pieces.slice(0, first).some(isOther);
  const otherAfter = pieces.slice(last + 1).some(isOther);
  if (otherBefore && otherAfter) return { kind: 'invalid', problem: 'the role part ({account_id} … {role_name}) must be at the start or the end, with every other placeholder on one side' };
  for (const index of roleIndexes) {
    const before = pieces[index - 1];
    const after = pieces[index + 1];
    const fenced = (piece: SubjectTemplatePiece | undefined, edge: 'end' | 'start'): boolean =>
      piece === undefined || ('literal' in piece && !ROLE_NAME_CHARACTER.test(edge === 'end' ? piece.literal.at(-1)! : piece.literal[0]!));
    if (!fenced(before, 'end') || !fenced(after, 'start')) {
      return { kind: 'invalid', problem: `{${(pieces[index] as { placeholder: string }).placeholder}} must be separated from the rest by a character no role name holds, such as : or /` };
    }
  }
  return { kind: 'bound', anchor: otherBefore ? 'suffix' : 'prefix' };
}

/** Throws when a template places its role part where a pattern cannot check it; returns the binding otherwise. */
export function assertSubjectTemplate(template: string): Exclude<SubjectBinding, { kind: 'invalid' }> {
  const binding = subjectTemplateBinding(template);
  if (binding.kind === 'invalid') throw invalidInput(`subject template ${template}: ${binding.problem}`);
  return binding;
}
