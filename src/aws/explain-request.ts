import { isIP } from 'node:net';
import { isTagKey, isTagValue, maxSessionDurationProblem, type OriginFlags } from '../iam/index.ts';

/**
 * What explain cannot know about the role (its maximum session, its tags) and about the
 * request (duration, transport, source address, time), as people type it: the CLI's flags and
 * the explain page's fields, read by the one rule here.
 */
export interface ExplainRequestInput {
  durationSeconds?: string | undefined;
  maxSessionDuration?: string | undefined;
  /** `KEY=VALUE` pairs. */
  roleTags?: readonly string[] | undefined;
  /** `true` or `false`. */
  secureTransport?: string | undefined;
  sourceIp?: string | undefined;
  /** ISO 8601 or epoch seconds. */
  at?: string | undefined;
}

export interface ExplainRequestValues extends OriginFlags {
  durationSeconds: number | undefined;
  maxSessionDurationSeconds: number | undefined;
  roleTags: Record<string, string> | undefined;
}

/** A value that cannot be read: which input, the value as given, and what was expected. */
export interface ExplainRequestProblem {
  field: keyof ExplainRequestInput;
  value: string;
  problem: string;
}

/** Reads the inputs, or names the first that cannot be read (`--flag VALUE: problem` in the CLI, beside the field on the page). */
export function readExplainRequest(input: ExplainRequestInput): { ok: true; value: ExplainRequestValues } | ({ ok: false } & ExplainRequestProblem) {
  const wholeSeconds = (value: string | undefined): number | undefined | 'bad' => (value === undefined ? undefined : /^\d{1,9}$/.test(value) ? Number(value) : 'bad');
  const durationSeconds = wholeSeconds(input.durationSeconds);
  if (durationSeconds === 'bad') return { ok: false, field: 'durationSeconds', value: input.durationSeconds!, problem: 'expected a whole number of seconds' };
  const maxSessionDurationSeconds = wholeSeconds(input.maxSessionDuration);
  if (maxSessionDurationSeconds === 'bad') return { ok: false, field: 'maxSessionDuration', value: input.maxSessionDuration!, problem: 'expected a whole number of seconds' };
  const rangeProblem = maxSessionDurationSeconds === undefined ? undefined : maxSessionDurationProblem(maxSessionDurationSeconds);
  if (rangeProblem !== undefined) return { ok: false, field: 'maxSessionDuration', value: input.maxSessionDuration!, problem: `expected ${rangeProblem}` };
  let roleTags: Record<string, string> | undefined;
  for (const pair of input.roleTags ?? []) {
    const equals = pair.indexOf('=');
    const key = equals < 0 ? pair : pair.slice(0, equals);
    const value = equals < 0 ? '' : pair.slice(equals + 1);
    if (equals < 0 || !isTagKey(key) || !isTagValue(value)) {
      return { ok: false, field: 'roleTags', value: pair, problem: 'expected KEY=VALUE, a key of 1-128 and a value of 0-256 letters, digits, spaces and _.:/=+-@' };
    }
    roleTags = { ...roleTags, [key]: value };
  }
  if (input.secureTransport !== undefined && input.secureTransport !== 'true' && input.secureTransport !== 'false') {
    return { ok: false, field: 'secureTransport', value: input.secureTransport, problem: 'expected true or false' };
  }
  if (input.sourceIp !== undefined && isIP(input.sourceIp) === 0) return { ok: false, field: 'sourceIp', value: input.sourceIp, problem: 'expected an IPv4 or IPv6 address' };
  let at: number | undefined;
  if (input.at !== undefined) {
    at = /^\d{1,12}$/.test(input.at) ? Number(input.at) * 1000 : /^\d{4}-\d{2}-\d{2}T/.test(input.at) ? Date.parse(input.at) : Number.NaN;
    if (Number.isNaN(at)) return { ok: false, field: 'at', value: input.at, problem: 'expected an ISO 8601 time (2030-01-01T12:00:00Z) or epoch seconds' };
  }
  const secureTransport = input.secureTransport === undefined ? undefined : input.secureTransport === 'true';
  return { ok: true, value: { durationSeconds, maxSessionDurationSeconds, roleTags, secureTransport, sourceIp: input.sourceIp, at } };
}
