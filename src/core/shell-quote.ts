/**
 * One word for a POSIX shell (`sh`, `bash`, `zsh`): left bare when it holds only characters
 * no shell treats specially, else single-quoted with `'` written as `'\''`. The setup
 * generators print commands (`gcloud`, `az`) an admin pastes.
 */
export function shellQuote(word: string): string {
  if (/^[A-Za-z0-9_@%+=:,./-]+$/.test(word)) return word;
  return `'${word.replace(/'/g, `'\\''`)}'`;
}

/** A command line from its words, with ` \` continuations before each `--flag` for reading. */
export function shellCommand(words: readonly string[]): string {
  let line = '';
  for (const [index, word] of words.entries()) {
    const quoted = shellQuote(word);
    line += index === 0 ? quoted : word.startsWith('--') ? ` \\\n    ${quoted}` : ` ${quoted}`;
  }
  return line;
}
