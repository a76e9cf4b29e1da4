/**
 * STS's Query-protocol responses: XML in the `2011-06-15` namespace, results wrapped in
 * `<ActionResponse><ActionResult>…</ActionResult><ResponseMetadata>`, errors in
 * `<ErrorResponse>`.
 * @see https://docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRoleWithWebIdentity.html#API_AssumeRoleWithWebIdentity_Examples
 */
import type { StsError } from '../iam/index.ts';

export const STS_NAMESPACE = 'https://sts.amazonaws.com/doc/2011-06-15/';

/** An element tree: text, nested elements, or undefined to leave the element out. */
export type XmlNode = string | number | undefined | { readonly [name: string]: XmlNode };

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' };

/** Escapes markup, and replaces characters XML 1.0 cannot carry (control characters, lone surrogates). */
export function escapeXml(text: string): string {
  return text
    .replace(/[&<>"']/g, (char) => ESCAPES[char] as string)
    .replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '\uFFFD');
}

function renderChildren(node: { readonly [name: string]: XmlNode }): string {
  let out = '';
  for (const [name, child] of Object.entries(node)) {
    if (child === undefined) continue;
    out += `<${name}>${typeof child === 'object' ? renderChildren(child) : escapeXml(String(child))}</${name}>`;
  }
  return out;
}

/** `<ActionResponse xmlns=…><ActionResult>…</ActionResult><ResponseMetadata><RequestId>…` */
export function renderResult(action: string, result: { readonly [name: string]: XmlNode }, requestId: string): string {
  return (
    `<${action}Response xmlns="${STS_NAMESPACE}">` +
    `<${action}Result>${renderChildren(result)}</${action}Result>` +
    `<ResponseMetadata><RequestId>${escapeXml(requestId)}</RequestId></ResponseMetadata>` +
    `</${action}Response>\n`
  );
}

/** AWS's error document; 5xx errors are `Receiver` faults and say nothing about internals. */
export function renderError(error: StsError, requestId: string): string {
  const type = error.status >= 500 ? 'Receiver' : 'Sender';
  const message = error.expose ? error.message : 'An internal error occurred. Try again.';
  return (
    `<ErrorResponse xmlns="${STS_NAMESPACE}">` +
    `<Error><Type>${type}</Type><Code>${error.awsCode}</Code><Message>${escapeXml(message)}</Message></Error>` +
    `<RequestId>${escapeXml(requestId)}</RequestId>` +
    `</ErrorResponse>\n`
  );
}

