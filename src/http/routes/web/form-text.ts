/** A form or query field as the pages use it: trimmed, and an empty field is no value. */
export function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value.trim();
}
