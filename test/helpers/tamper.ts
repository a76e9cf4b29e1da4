/**
 * A copy of `value` whose last `count` characters are replaced by different ones.
 *
 * Overwriting with a fixed string ("…AAAA") is flaky: one run in 64 the secret already ends
 * that way and the "forged" value is the real one. Each character here moves to the character
 * 32 places away in its base64 alphabet, which flips the top bit of its six. The last character
 * of base64 data carries its data in the top bits (the low ones can be padding a lenient decoder
 * ignores), so the decoded bytes change too, not only the text.
 */
const URL_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
const STANDARD_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

export function tamperEnd(value: string, count = 1): string {
  if (count < 1 || count > value.length) throw new RangeError(`cannot tamper with ${count} of ${value.length} characters`);
  const tail = [...value.slice(-count)].map((character) => {
    const alphabet = STANDARD_ALPHABET.includes(character) ? STANDARD_ALPHABET : URL_ALPHABET;
    const index = alphabet.indexOf(character);
    if (index < 0) throw new RangeError(`"${character}" is not a base64 character`);
    return alphabet[index ^ 32];
  });
  return value.slice(0, -count) + tail.join('');
}
