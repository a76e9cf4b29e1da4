/**
 * ARN splitting and the two ARN pattern matchers: `ArnLike`/`ArnEquals` in conditions and
 * the `Resource` element.
 *
 * @see https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html#Conditions_ARN
 * @see https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_resource.html
 */
import { ARN_SEGMENTS, splitAtColons } from '../iam/index.ts';
import { Glob, type PatternPart } from './glob.ts';

/** Splits pattern parts at the first five colons, keeping each part's literal flag. */
function splitPatternParts(parts: readonly PatternPart[]): PatternPart[][] | undefined {
  const segments: PatternPart[][] = [[]];
  for (const part of parts) {
    let rest = part.text;
    while (segments.length < ARN_SEGMENTS) {
      const colon = rest.indexOf(':');
      if (colon < 0) break;
      (segments[segments.length - 1] as PatternPart[]).push({ text: rest.slice(0, colon), literal: part.literal });
      segments.push([]);
      rest = rest.slice(colon + 1);
    }
    (segments[segments.length - 1] as PatternPart[]).push({ text: rest, literal: part.literal });
  }
  return segments.length === ARN_SEGMENTS ? segments : undefined;
}

function endsWithWildcardStar(parts: readonly PatternPart[]): boolean {
  for (let i = parts.length - 1; i >= 0; i--) {
    const part = parts[i] as PatternPart;
    if (part.text === '') continue;
    return !part.literal && part.text.endsWith('*');
  }
  return false;
}

/**
 * `ArnLike` / `ArnEquals` (which behave identically): each of the six colon-separated
 * segments is matched on its own, case-sensitively, with `*` and `?`; a wildcard never spans
 * a colon. A policy value without six segments matches nothing.
 */
export class ArnPattern {
  readonly source: string;
  readonly #segments: readonly Glob[] | undefined;

  constructor(parts: readonly PatternPart[]) {
    this.source = parts.map((part) => part.text).join('');
    this.#segments = splitPatternParts(parts)?.map((segment) => new Glob(segment));
  }

  /** Whether the policy value has the six segments of an ARN. */
  get wellFormed(): boolean {
    return this.#segments !== undefined;
  }

  test(value: string): boolean {
    const patterns = this.#segments;
    if (patterns === undefined) return false;
    const segments = splitAtColons(value, ARN_SEGMENTS);
    if (segments === undefined) return false;
    for (let i = 0; i < ARN_SEGMENTS; i++) {
      if (!(patterns[i] as Glob).test(segments[i] as string)) return false;
    }
    return true;
  }
}

/**
 * The `Resource` element. `*` alone matches every resource. Otherwise segments match one by
 * one, except that the IAM guide lets a `*` that ends a segment "expand to match beyond the
 * colon boundaries": from the first such segment on, the rest of the pattern is matched as
 * one wildcard pattern against the rest of the ARN. (That also lets later wildcards span
 * colons; IAM documents no finer rule.) A value that is not an ARN is matched whole.
 */
export class ResourcePattern {
  readonly source: string;
  readonly #everything: boolean;
  readonly #head: readonly Glob[];
  readonly #tail: Glob;

  constructor(parts: readonly PatternPart[]) {
    this.source = parts.map((part) => part.text).join('');
    const whole = new Glob(parts);
    this.#everything = whole.matchesEverything;
    const segments = splitPatternParts(parts);
    if (segments === undefined) {
      this.#head = [];
      this.#tail = whole;
      return;
    }
    let spanFrom = segments.findIndex((segment, index) => index < ARN_SEGMENTS - 1 && endsWithWildcardStar(segment));
    if (spanFrom < 0) spanFrom = ARN_SEGMENTS - 1;
    this.#head = segments.slice(0, spanFrom).map((segment) => new Glob(segment));
    const tail: PatternPart[] = [];
    segments.slice(spanFrom).forEach((segment, index) => {
      if (index > 0) tail.push({ text: ':', literal: true });
      tail.push(...segment);
    });
    this.#tail = new Glob(tail);
  }

  /** True for `*` (or only `*`s): every resource, including none named. */
  get matchesEverything(): boolean {
    return this.#everything;
  }

  test(value: string): boolean {
    if (this.#everything) return true;
    const head = this.#head;
    if (head.length === 0) return this.#tail.test(value);
    const segments = splitAtColons(value, head.length + 1);
    if (segments === undefined) return false;
    for (let i = 0; i < head.length; i++) {
      if (!(head[i] as Glob).test(segments[i] as string)) return false;
    }
    return this.#tail.test(segments[head.length] as string);
  }
}
