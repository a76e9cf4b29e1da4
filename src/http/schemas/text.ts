import type { FastifySchemaValidationError, FastifyServerOptions } from 'fastify';
import { SAFE_MULTILINE_TEXT_PATTERN, SAFE_TEXT_PATTERN } from '../../core/index.ts';

type SchemaErrorDataVar = Parameters<NonNullable<FastifyServerOptions['schemaErrorFormatter']>>[1];

/**
 * The JSON-schema pieces every route uses for text, built from core's one definition of safe
 * text (core/text.ts): a string field is `safeText(max)` (one line) or `multilineText(max)`,
 * never a bare `{type: 'string'}`. Each protocol's error handler turns a failure into its
 * own 400 (OAuth `invalid_request`, API `{code, message}`, an HTML page, STS XML).
 */
export function safeText(maxLength: number, minLength?: number) {
  return { type: 'string', maxLength, ...(minLength === undefined ? {} : { minLength }), pattern: SAFE_TEXT_PATTERN } as const;
}

/** Safe text or JSON null (optional fields the publishing server's clients send as null). */
export function nullableSafeText(maxLength: number) {
  return { type: ['string', 'null'], maxLength, pattern: SAFE_TEXT_PATTERN } as const;
}

/** Text that may span lines: tabs and line breaks (LF, CR LF) allowed, every other control character refused. */
export function multilineText(maxLength: number) {
  return { type: 'string', maxLength, pattern: SAFE_MULTILINE_TEXT_PATTERN } as const;
}

/**
 * Safe text when the value is a string, without requiring one: for bodies whose domain gives
 * its own message for a wrong type (e.g. Google's `scope` list).
 */
export function safeTextIfString(maxLength: number) {
  return { if: { type: 'string' }, then: safeText(maxLength) } as const;
}

/** The same for containers: `schema` applies when the value has `type` (an object's properties, an array's items). */
export function ifType<Schema extends object>(type: 'object' | 'array', schema: Schema) {
  return { if: { type }, then: { type, ...schema } } as const;
}

/** An object whose every property is safe text of at most `maxLength` (the STS's and forms' open parameter maps). */
export function safeTextMap(maxLength: number) {
  return { type: 'object', additionalProperties: safeText(maxLength) } as const;
}

const MESSAGES: Readonly<Record<string, string>> = {
  [SAFE_TEXT_PATTERN]: 'must not contain control characters, line breaks or bidirectional controls',
  [SAFE_MULTILINE_TEXT_PATTERN]: 'must not contain control characters other than tabs and line breaks, nor bidirectional controls',
};

/**
 * Fastify's `schemaErrorFormatter`: its own wording (`body/name must NOT have more than 255
 * characters`), except that a safe-text failure says what is wrong instead of printing the
 * pattern.
 */
export function formatSchemaErrors(errors: FastifySchemaValidationError[], dataVar: SchemaErrorDataVar): Error {
  const text = errors
    .map((error) => {
      const pattern = error.keyword === 'pattern' ? (error.params as { pattern?: string }).pattern : undefined;
      const message = (pattern !== undefined ? MESSAGES[pattern] : undefined) ?? error.message ?? 'is not valid';
      return `${dataVar}${error.instancePath} ${message}`;
    })
    .join(', ');
  return new Error(text);
}
