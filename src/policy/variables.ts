/**
 * Policy variables (`${aws:username}`, `${aws:PrincipalTag/team, 'none'}`) and the escapes
 * `${*}`, `${?}`, `${$}`. They are recognized only under `"Version": "2012-10-17"`; under
 * 2008-10-17 a value is taken literally, as IAM does.
 *
 * @see https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_variables.html
 */
import type { PatternPart } from './glob.ts';
import type { PolicyVersion } from './types.ts';

export type TemplatePart =
  | { readonly kind: 'text'; readonly text: string; readonly literal: boolean }
  | {
      readonly kind: 'variable';
      readonly key: string;
      readonly keyLower: string;
      readonly fallback: string | undefined;
      readonly source: string;
    };

/** A policy value split into text and variables, parsed once at compile time. */
export interface ValueTemplate {
  readonly source: string;
  readonly parts: readonly TemplatePart[];
  readonly hasVariables: boolean;
}

/** Looks up a context key (by its lower-cased name) for substitution. */
export type VariableLookup = (key: string, keyLower: string) => string | readonly string[] | undefined;

export type ResolvedTemplate =
  | { readonly ok: true; readonly parts: readonly PatternPart[]; readonly text: string }
  | { readonly ok: false; readonly variable: string; readonly reason: string };

const VARIABLE_BODY = /^\s*([^\s,{}$']+)\s*(?:,\s*'([^']*)'\s*)?$/;

export function parseTemplate(value: string, version: PolicyVersion): ValueTemplate {
  if (version !== '2012-10-17' || !value.includes('${')) {
    return { source: value, parts: [{ kind: 'text', text: value, literal: false }], hasVariables: false };
  }
  const parts: TemplatePart[] = [];
  const pushText = (text: string, literal: boolean): void => {
    if (text === '') return;
    const previous = parts[parts.length - 1];
    if (previous !== undefined && previous.kind === 'text' && previous.literal === literal) {
      parts[parts.length - 1] = { kind: 'text', text: previous.text + text, literal };
    } else {
      parts.push({ kind: 'text', text, literal });
    }
  };
  let hasVariables = false;
  let position = 0;
  while (position < value.length) {
    const start = value.indexOf('${', position);
    const end = start < 0 ? -1 : value.indexOf('}', start + 2);
    if (start < 0 || end < 0) {
      pushText(value.slice(position), false);
      break;
    }
    pushText(value.slice(position, start), false);
    const body = value.slice(start + 2, end);
    const source = value.slice(start, end + 1);
    if (body === '*' || body === '?' || body === '$') {
      pushText(body, true);
    } else {
      const match = VARIABLE_BODY.exec(body);
      if (match === null) {
        // Not variable syntax: IAM leaves it as text.
        pushText(source, false);
      } else {
        const key = match[1] as string;
        parts.push({ kind: 'variable', key, keyLower: key.toLowerCase(), fallback: match[2], source });
        hasVariables = true;
      }
    }
    position = end + 1;
  }
  return { source: value, parts, hasVariables };
}

/** The parts of a template without variables (callers check `hasVariables` first). */
export function staticParts(template: ValueTemplate): readonly PatternPart[] {
  const parts: PatternPart[] = [];
  for (const part of template.parts) {
    if (part.kind === 'text') parts.push(part);
  }
  return parts;
}

/** The value of one variable part from the request, or undefined when it cannot be resolved. */
export function resolveVariable(part: TemplatePart & { kind: 'variable' }, lookup: VariableLookup): string | undefined {
  const value = lookup(part.key, part.keyLower);
  if (typeof value === 'string') return value;
  if (value === undefined || value.length === 0) return part.fallback;
  return undefined;
}

/**
 * Substitutes the variables from the request context. A substituted value is literal text:
 * a `*` in a user name never becomes a wildcard. A variable whose key is missing (and has
 * no default) or is multi-valued cannot be resolved; IAM then treats the statement as not
 * matching, and so do the callers of this function.
 */
export function resolveTemplate(template: ValueTemplate, lookup: VariableLookup): ResolvedTemplate {
  const parts: PatternPart[] = [];
  let text = '';
  for (const part of template.parts) {
    if (part.kind === 'text') {
      parts.push(part);
      text += part.text;
      continue;
    }
    const value = lookup(part.key, part.keyLower);
    let resolved: string | undefined;
    if (typeof value === 'string') {
      resolved = value;
    } else if (value === undefined || value.length === 0) {
      resolved = part.fallback;
      if (resolved === undefined) {
        return { ok: false, variable: part.source, reason: `policy variable ${part.source} has no value in the request context` };
      }
    } else {
      return { ok: false, variable: part.source, reason: `policy variable ${part.source} names a multi-valued key` };
    }
    parts.push({ text: resolved, literal: true });
    text += resolved;
  }
  return { ok: true, parts, text };
}
