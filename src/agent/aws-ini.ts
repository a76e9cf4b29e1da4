/**
 * A minimal editor for the AWS shared config and credentials files (INI as botocore reads
 * it: `[section]` headers, `key = value` lines, indented continuation lines for nested
 * values, `#`/`;` comments). It changes only the lines of the keys it is told to set or
 * remove; every other byte — other profiles, comments, blank lines, line endings — stays.
 * @see https://docs.aws.amazon.com/sdkref/latest/guide/file-format.html
 */

interface Line {
  text: string;
  eol: string;
}

const HEADER = /^\s*\[\s*([^\]]*?)\s*\]\s*(?:[#;].*)?$/;
const KEY = /^([^\s=#;[][^=]*?)\s*=/;

function splitLines(text: string): Line[] {
  const lines: Line[] = [];
  const pattern = /([^\r\n]*)(\r\n|\n|\r|$)/g;
  for (;;) {
    const match = pattern.exec(text);
    if (match === null) break;
    if (match[0] === '') {
      // End of input; a final empty "line" exists only when the text is empty.
      break;
    }
    lines.push({ text: match[1]!, eol: match[2]! });
  }
  return lines;
}

function join(lines: readonly Line[]): string {
  return lines.map((l) => l.text + l.eol).join('');
}

function dominantEol(lines: readonly Line[]): string {
  let crlf = 0;
  let lf = 0;
  for (const line of lines) {
    if (line.eol === '\r\n') crlf++;
    else if (line.eol === '\n') lf++;
  }
  return crlf > lf ? '\r\n' : '\n';
}

function headerName(line: Line): string | undefined {
  return HEADER.exec(line.text)?.[1];
}

function keyName(line: Line): string | undefined {
  return KEY.exec(line.text)?.[1]?.trim().toLowerCase();
}

// As configparser: an indented line continues the previous value unless it is a comment.
const isContinuation = (line: Line): boolean => /^[ \t]+[^\s#;]/.test(line.text) && !HEADER.test(line.text);

/** The body of the first section named `section`: [start, end) line indexes after its header. */
function findSection(lines: readonly Line[], section: string): { header: number; end: number } | undefined {
  const header = lines.findIndex((line) => headerName(line) === section);
  if (header < 0) return undefined;
  let end = header + 1;
  while (end < lines.length && headerName(lines[end]!) === undefined) end++;
  return { header, end };
}

/** Index range [start, end) of a key line and its continuation lines inside the section. */
function findKey(lines: readonly Line[], from: number, to: number, key: string): { start: number; end: number } | undefined {
  const wanted = key.toLowerCase();
  for (let i = from; i < to; i++) {
    if (keyName(lines[i]!) !== wanted) continue;
    let end = i + 1;
    while (end < to && isContinuation(lines[end]!)) end++;
    return { start: i, end };
  }
  return undefined;
}

/** Parsed view (first occurrence of each section and key; continuation lines joined with `\n`). */
export type IniDocument = Map<string, Map<string, string>>;

export function parseIni(text: string): IniDocument {
  const document: IniDocument = new Map();
  let current: Map<string, string> | undefined;
  let lastKey: string | undefined;
  for (const line of splitLines(text)) {
    const header = headerName(line);
    if (header !== undefined) {
      current = document.get(header);
      if (current === undefined) {
        current = new Map();
        document.set(header, current);
      }
      lastKey = undefined;
      continue;
    }
    if (current === undefined) continue;
    if (isContinuation(line) && lastKey !== undefined) {
      current.set(lastKey, `${current.get(lastKey) ?? ''}\n${line.text.trim()}`);
      continue;
    }
    const key = keyName(line);
    if (key === undefined) continue;
    lastKey = key;
    if (!current.has(key)) current.set(key, line.text.slice(line.text.indexOf('=') + 1).trim());
  }
  return document;
}

/**
 * Sets `values` in `section` (created at the end of the file when missing): an existing key
 * line (and its continuation lines) is replaced in place, a new key goes after the section's
 * last key. Keys in `remove` are deleted. Nothing else changes.
 */
export function setIniSection(text: string, section: string, values: Readonly<Record<string, string>>, remove: readonly string[] = []): string {
  if (/[\]\r\n]/.test(section)) throw new TypeError(`setIniSection: invalid section name ${JSON.stringify(section)}`);
  for (const [key, value] of Object.entries(values)) {
    if (!/^[\w.-]+$/.test(key) || /[\r\n]/.test(value)) throw new TypeError(`setIniSection: invalid entry ${key}`);
  }
  const lines = splitLines(text);
  const eol = dominantEol(lines);
  const found = findSection(lines, section);
  const entries = Object.entries(values);

  if (found === undefined) {
    if (entries.length === 0) return text;
    const block: Line[] = [{ text: `[${section}]`, eol }, ...entries.map(([key, value]) => ({ text: `${key} = ${value}`, eol }))];
    const last = lines.at(-1);
    if (last !== undefined) {
      if (last.eol === '') last.eol = eol;
      if (last.text.trim() !== '') lines.push({ text: '', eol });
    }
    return join([...lines, ...block]);
  }

  let end = found.end;
  for (const key of remove) {
    if (key in values) continue;
    const range = findKey(lines, found.header + 1, end, key);
    if (range === undefined) continue;
    lines.splice(range.start, range.end - range.start);
    end -= range.end - range.start;
  }
  const appended: Line[] = [];
  for (const [key, value] of entries) {
    const range = findKey(lines, found.header + 1, end, key);
    if (range === undefined) {
      appended.push({ text: `${key} = ${value}`, eol });
      continue;
    }
    const lastEol = lines[range.end - 1]!.eol;
    lines.splice(range.start, range.end - range.start, { text: `${key} = ${value}`, eol: lastEol });
    end -= range.end - range.start - 1;
  }
  if (appended.length > 0) {
    // After the last key (or continuation) line, so that blank lines and comments that
    // separate this section from the next stay where they are.
    let insertAt = found.header + 1;
    for (let i = found.header + 1; i < end; i++) {
      if (keyName(lines[i]!) !== undefined || isContinuation(lines[i]!)) insertAt = i + 1;
    }
    const before = lines[insertAt - 1]!;
    if (before.eol === '') {
      before.eol = eol;
      appended.at(-1)!.eol = '';
    }
    lines.splice(insertAt, 0, ...appended);
  }
  return join(lines);
}

/** Deletes `keys` from `section`; the text is unchanged when neither exists. */
export function removeIniKeys(text: string, section: string, keys: readonly string[]): string {
  const lines = splitLines(text);
  const found = findSection(lines, section);
  if (found === undefined) return text;
  let end = found.end;
  for (const key of keys) {
    const range = findKey(lines, found.header + 1, end, key);
    if (range === undefined) continue;
    lines.splice(range.start, range.end - range.start);
    end -= range.end - range.start;
  }
  return join(lines);
}
