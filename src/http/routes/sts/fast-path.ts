import type { IncomingMessage } from 'node:http';
import { writeFastHead, type NodeFastPath } from '../../node-server.ts';
import type { RequestOrigin } from '../../request-origin.ts';
import { FORM_CONTENT_TYPE, parseForm, toStsQueryRequest, type StsRouteOptions } from './query-endpoint.ts';

export interface StsFastPathOptions {
  sts: StsRouteOptions;
  origin: (request: IncomingMessage) => RequestOrigin;
  /** The listener's body limit; a larger declared body goes to Fastify, which answers 413. */
  bodyLimit: number;
}

/**
 * Answers the request every AWS SDK and the CLI send — a form POST to `/` with its length
 * declared — before Fastify's router, hooks and per-request child logger, which were a
 * sixth of the CPU of an `AssumeRoleWithWebIdentity`. It builds the same `StsQueryRequest`
 * with the same helpers as the Fastify route (query-endpoint.ts), and the domain validates
 * the parameters against the STS API model either way. Anything else — GET, a query
 * string, another content type, a chunked or oversized body, `/healthz` — returns false
 * and goes to Fastify.
 */
export function createStsFastPath(options: StsFastPathOptions): NodeFastPath {
  return (request, response, leading) => {
    if (request.method !== 'POST' || request.url !== '/' || !isForm(request.headers['content-type'])) return false;
    const declared = request.headers['content-length'];
    if (declared === undefined || request.headers['transfer-encoding'] !== undefined) return false;
    const length = Number(declared);
    if (!Number.isSafeInteger(length) || length > options.bodyLimit) return false;

    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    // A client that goes away mid-body leaves nothing to answer.
    request.on('error', () => {});
    request.on('end', () => {
      const body = chunks.length === 1 ? (chunks[0] as Buffer).toString('utf8') : Buffer.concat(chunks).toString('utf8');
      const query = toStsQueryRequest(request, body, parseForm(body), options.origin(request));
      // handleQuery never rejects: every failure is already AWS error XML.
      void options.sts.handleQuery(query).then((answer) => {
        writeFastHead(response, answer.status, leading, { 'content-type': 'text/xml', 'content-length': Buffer.byteLength(answer.body), 'x-amzn-requestid': answer.requestId });
        response.end(answer.body);
      });
    });
    return true;
  };
}

/** `application/x-www-form-urlencoded`, with or without parameters such as a charset. */
function isForm(contentType: string | undefined): boolean {
  if (contentType === undefined) return false;
  const semicolon = contentType.indexOf(';');
  return (semicolon < 0 ? contentType : contentType.slice(0, semicolon)).trim().toLowerCase() === FORM_CONTENT_TYPE;
}
