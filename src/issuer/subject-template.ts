import { invalidInput } from '../core/index.ts';

/**
 * Renders a `sub` template such as `user:{username}` or `repo:{repository}:ref:{ref}`.
 * Trust policies match `sub` with StringLike, so a placeholder with no value is an error
 * rather than an empty string that could widen a `*` match.
 */
export function renderSubject(template: string, values: Readonly<Record<string, string | undefined>>): string {
  return template.replace(/\{([a-z_][a-z0-9_]*)\}/gi, (_match, name: string) => {
    const value = values[name];
    if (value === undefined || value.length === 0) throw invalidInput(`subject template ${template}: no value for {${name}}`);
    return value;
  });
}
