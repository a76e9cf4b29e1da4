/**
 * A small writer for the Terraform (HCL native syntax) the generators print: blocks,
 * attributes, and JSON-like values for `jsonencode(...)`. Its layout is what `terraform fmt`
 * produces (two-space indent, `=` aligned across consecutive single-line attributes), so
 * generated files pass `terraform fmt -check` unchanged.
 * @see https://github.com/hashicorp/hcl/blob/main/hclsyntax/spec.md
 */

/** A value rendered into an HCL expression. `HclRaw` is written verbatim (references, function calls). */
export type HclValue = string | number | boolean | null | HclRaw | readonly HclValue[] | { readonly [key: string]: HclValue };

export interface HclRaw {
  readonly raw: string;
}

export interface HclBlock {
  readonly type: string;
  readonly labels: readonly string[];
  readonly body: readonly HclBodyItem[];
}

export type HclBodyItem = { readonly attribute: string; readonly value: HclValue } | { readonly block: HclBlock };

/** Written verbatim: `var.x`, `data.aws_caller_identity.current.account_id`, `jsonencode({...})`. */
export function raw(text: string): HclRaw {
  return { raw: text };
}

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_-]*$/;
const INDENT = '  ';

function isRaw(value: HclValue): value is HclRaw {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && Object.keys(value).length === 1 && typeof (value as { raw?: unknown }).raw === 'string';
}

/**
 * A quoted HCL string. HCL strings are templates: `${` and `%{` start interpolations and
 * directives, so they are doubled to stay literal (an IAM policy variable such as
 * `${aws:username}` must reach AWS as written). `replacements` (already HCL, such as an
 * interpolation) are applied after escaping.
 */
export function quote(text: string, replacements: Readonly<Record<string, string>> = {}): string {
  let body = '';
  for (const char of text) {
    const code = char.codePointAt(0)!;
    if (char === '"') body += '\\"';
    else if (char === '\\') body += '\\\\';
    else if (char === '\n') body += '\\n';
    else if (char === '\r') body += '\\r';
    else if (char === '\t') body += '\\t';
    else if (code < 0x20 || code === 0x7f) body += `\\u${code.toString(16).padStart(4, '0')}`;
    else body += char;
  }
  body = body.replace(/\$\{/g, () => '$${').replace(/%\{/g, () => '%%{');
  for (const [placeholder, replacement] of Object.entries(replacements)) body = body.split(placeholder).join(replacement);
  return `"${body}"`;
}

export interface HclRenderOptions {
  /** Literal text inside strings to replace by HCL template text, e.g. `:ACCOUNT_ID:` → `:${data.aws_caller_identity.current.account_id}:`. */
  replacements?: Readonly<Record<string, string>>;
}

function isMultiLine(value: HclValue): boolean {
  if (value === null || typeof value !== 'object' || isRaw(value)) return false;
  if (Array.isArray(value)) return value.some((item: HclValue) => isMultiLine(item) || (typeof item === 'object' && item !== null && !isRaw(item)));
  return Object.keys(value).length > 0;
}

/** Renders a value at `depth` (the indentation of the line it starts on). */
export function renderValue(value: HclValue, depth: number, options: HclRenderOptions = {}): string {
  if (value === null) return 'null';
  if (typeof value === 'string') return quote(value, options.replacements);
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (isRaw(value)) return value.raw;
  const pad = INDENT.repeat(depth + 1);
  const close = INDENT.repeat(depth);
  if (Array.isArray(value)) {
    const items = value as readonly HclValue[];
    if (!isMultiLine(items)) {
      const inline = `[${items.map((item) => renderValue(item, depth, options)).join(', ')}]`;
      // Long lists read better one item per line; terraform fmt accepts both layouts.
      if (inline.length <= 80 || items.length < 2) return inline;
    }
    return `[\n${items.map((item) => `${pad}${renderValue(item, depth + 1, options)},\n`).join('')}${close}]`;
  }
  const entries = Object.entries(value as { readonly [key: string]: HclValue });
  if (entries.length === 0) return '{}';
  const lines = alignAttributes(
    entries.map(([key, item]) => ({ name: IDENTIFIER.test(key) ? key : quote(key), value: item })),
    depth + 1,
    options,
  );
  return `{\n${lines}${close}}`;
}

/** `name = value` lines, `=` aligned across each run of consecutive single-line attributes (as `terraform fmt` does). */
function alignAttributes(attributes: readonly { name: string; value: HclValue }[], depth: number, options: HclRenderOptions): string {
  const pad = INDENT.repeat(depth);
  const rendered = attributes.map((attribute) => ({ name: attribute.name, text: renderValue(attribute.value, depth, options) }));
  let out = '';
  let index = 0;
  while (index < rendered.length) {
    let end = index;
    while (end < rendered.length && !rendered[end]!.text.includes('\n')) end++;
    if (end === index) {
      const item = rendered[index]!;
      out += `${pad}${item.name} = ${item.text}\n`;
      index++;
      continue;
    }
    const width = Math.max(...rendered.slice(index, end).map((item) => item.name.length));
    for (const item of rendered.slice(index, end)) out += `${pad}${item.name.padEnd(width)} = ${item.text}\n`;
    index = end;
  }
  return out;
}

function renderBody(items: readonly HclBodyItem[], depth: number, options: HclRenderOptions): string {
  let out = '';
  let run: { name: string; value: HclValue }[] = [];
  const flush = (): void => {
    out += alignAttributes(run, depth, options);
    run = [];
  };
  for (const item of items) {
    if ('attribute' in item) {
      run.push({ name: item.attribute, value: item.value });
      continue;
    }
    flush();
    out += `${out === '' ? '' : '\n'}${renderBlock(item.block, depth, options)}`;
  }
  flush();
  return out;
}

export function renderBlock(block: HclBlock, depth = 0, options: HclRenderOptions = {}): string {
  const pad = INDENT.repeat(depth);
  const head = [block.type, ...block.labels.map((label) => quote(label))].join(' ');
  if (block.body.length === 0) return `${pad}${head} {}\n`;
  return `${pad}${head} {\n${renderBody(block.body, depth + 1, options)}${pad}}\n`;
}

/** A whole file: blocks separated by blank lines, with an optional leading comment. */
export function renderFile(blocks: readonly HclBlock[], options: HclRenderOptions & { comment?: string } = {}): string {
  const header = options.comment === undefined ? '' : `${options.comment.split('\n').map((line) => `# ${line}`.trimEnd()).join('\n')}\n\n`;
  return header + blocks.map((block) => renderBlock(block, 0, options)).join('\n');
}

/** A Terraform-safe resource name from free text: `ExecutionRole` → `execution_role`. */
export function resourceName(text: string): string {
  const snake = text
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .replace(/[^A-Za-z0-9_]+/g, '_')
    .replace(/^_+|_+$/g, '')
    .toLowerCase();
  return /^[a-z_]/.test(snake) ? snake : `r_${snake}`;
}
