/**
 * IAM wildcard matching: `*` matches any run of characters (also none), `?` exactly one.
 * A pattern is compiled once into literal segments split at `*`; matching is then a prefix
 * test, a suffix test and a left-to-right search for the middle segments, with no RegExp.
 * Greedy leftmost placement of the middle segments is sufficient because `*` between them
 * absorbs anything, so an earlier placement never rules out a later match.
 */

/**
 * A piece of pattern text. `literal` parts (from `${*}`, `${?}`, `${$}` or a substituted
 * policy variable) never act as wildcards.
 */
export interface PatternPart {
  readonly text: string;
  readonly literal: boolean;
}

interface Segment {
  readonly text: string;
  /** Positions holding `?` (any one character), or undefined when there are none. */
  readonly any: readonly boolean[] | undefined;
}

type Token = { readonly kind: 'char'; readonly char: string } | { readonly kind: 'any' } | { readonly kind: 'star' };

const SURROGATE = /[\uD800-\uDFFF]/;

export class Glob {
  /** The pattern as written, for traces. */
  readonly source: string;
  readonly #segments: readonly Segment[];
  readonly #minLength: number;
  readonly #hasAny: boolean;
  readonly #tokens: readonly Token[];
  readonly #ignoreCase: boolean;
  readonly #test: (input: string) => boolean;

  constructor(parts: readonly PatternPart[], options: { ignoreCase?: boolean } = {}) {
    this.#ignoreCase = options.ignoreCase === true;
    this.source = parts.map((part) => part.text).join('');
    const tokens: Token[] = [];
    for (const part of parts) {
      const text = this.#ignoreCase ? part.text.toLowerCase() : part.text;
      for (const char of text) {
        if (!part.literal && char === '*') tokens.push({ kind: 'star' });
        else if (!part.literal && char === '?') tokens.push({ kind: 'any' });
        else tokens.push({ kind: 'char', char });
      }
    }
    this.#tokens = tokens;
    const segments: Segment[] = [];
    let text = '';
    let any: boolean[] = [];
    let hasAny = false;
    const close = (): void => {
      segments.push({ text, any: any.includes(true) ? any : undefined });
      text = '';
      any = [];
    };
    for (const token of tokens) {
      if (token.kind === 'star') {
        close();
      } else if (token.kind === 'any') {
        // A placeholder unit; the mask, not the character, decides.
        text += '?';
        any.push(true);
        hasAny = true;
      } else {
        text += token.char;
        for (let i = 0; i < token.char.length; i++) any.push(false);
      }
    }
    close();
    this.#segments = segments;
    this.#hasAny = hasAny;
    this.#minLength = segments.reduce((sum, segment) => sum + segment.text.length, 0);
    this.#test = this.#specialize();
  }

  /** Whether `input` matches; with `ignoreCase`, pass the input already lower-cased (see {@link Glob.normalize}). */
  test(input: string): boolean {
    if (this.#hasAny && SURROGATE.test(input)) return this.#testCodePoints(input);
    return this.#test(input);
  }

  /** Lower-cases the input when the glob ignores case, so callers can do it once for many globs. */
  normalize(input: string): string {
    return this.#ignoreCase ? input.toLowerCase() : input;
  }

  /** True when the pattern is nothing but wildcard `*`s, so it matches every input. */
  get matchesEverything(): boolean {
    return this.#segments.length > 1 && this.#minLength === 0;
  }

  #specialize(): (input: string) => boolean {
    const segments = this.#segments;
    const [first] = segments as [Segment];
    if (segments.length === 1) {
      if (first.any === undefined) return (input) => input === first.text;
      return (input) => input.length === first.text.length && matchAt(input, 0, first);
    }
    if (this.#minLength === 0) return () => true;
    const last = segments[segments.length - 1] as Segment;
    if (segments.length === 2 && !this.#hasAny) {
      if (last.text === '') return (input) => input.startsWith(first.text);
      if (first.text === '') return (input) => input.endsWith(last.text);
    }
    return (input) => this.#testGeneral(input);
  }

  #testGeneral(input: string): boolean {
    const segments = this.#segments;
    if (input.length < this.#minLength) return false;
    const first = segments[0] as Segment;
    const last = segments[segments.length - 1] as Segment;
    if (!matchAt(input, 0, first)) return false;
    const end = input.length - last.text.length;
    if (!matchAt(input, end, last)) return false;
    let position = first.text.length;
    for (let i = 1; i < segments.length - 1; i++) {
      const segment = segments[i] as Segment;
      if (segment.text.length === 0) continue;
      const found = findFrom(input, segment, position, end);
      if (found < 0) return false;
      position = found + segment.text.length;
    }
    return true;
  }

  /**
   * `?` is one character, not one UTF-16 unit: for input with astral characters, match
   * code point by code point (the classic backtracking wildcard walk).
   */
  #testCodePoints(input: string): boolean {
    const chars = Array.from(input);
    const tokens = this.#tokens;
    let t = 0;
    let c = 0;
    let starToken = -1;
    let starChar = 0;
    while (c < chars.length) {
      const token = tokens[t];
      if (token !== undefined && token.kind === 'star') {
        starToken = t++;
        starChar = c;
      } else if (token !== undefined && (token.kind === 'any' || token.char === chars[c])) {
        t++;
        c++;
      } else if (starToken >= 0) {
        t = starToken + 1;
        c = ++starChar;
      } else {
        return false;
      }
    }
    while (t < tokens.length && tokens[t]?.kind === 'star') t++;
    return t === tokens.length;
  }
}

function matchAt(input: string, at: number, segment: Segment): boolean {
  const { text, any } = segment;
  if (any === undefined) return input.startsWith(text, at);
  if (at < 0 || at + text.length > input.length) return false;
  for (let i = 0; i < text.length; i++) {
    if (!any[i] && input.charCodeAt(at + i) !== text.charCodeAt(i)) return false;
  }
  return true;
}

function findFrom(input: string, segment: Segment, from: number, end: number): number {
  const length = segment.text.length;
  if (segment.any === undefined) {
    const found = input.indexOf(segment.text, from);
    return found >= 0 && found + length <= end ? found : -1;
  }
  for (let at = from; at + length <= end; at++) {
    if (matchAt(input, at, segment)) return at;
  }
  return -1;
}

/** Compiles plain pattern text in which every `*` and `?` is a wildcard. */
export function compileGlob(pattern: string, options: { ignoreCase?: boolean } = {}): Glob {
  return new Glob([{ text: pattern, literal: false }], options);
}
