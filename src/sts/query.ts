/**
 * The Query protocol: `Action=…&Version=2011-06-15` as a form-encoded POST (or a GET's
 * query), dispatched to an operation, answered with XML. Every failure becomes AWS's
 * `ErrorResponse` here, so the HTTP adapter only moves bytes.
 * @see https://docs.aws.amazon.com/STS/latest/APIReference/welcome.html
 */
import { isSafeText, isoSeconds, type Logger, type EventSink, type Clock } from '../core/index.ts';
import { stsError, toStsError, type StsError } from '../iam/index.ts';
import { newRequestId } from './ids.ts';
import type { StsOperations, AssumedRoleResult } from './operations.ts';
import { checkSafeParameters, readAssumeRoleParams, readAssumeRoleWithWebIdentityParams, type QueryParams } from '../iam/index.ts';
import { authenticateRequest, type SignedHttpRequest } from './sigv4.ts';
import type { AccessKeyDirectory } from './credentials.ts';
import { renderError, renderResult, type XmlNode } from './xml.ts';

export const STS_API_VERSION = '2011-06-15';

/** A request as the HTTP adapter hands it over. */
export interface StsQueryRequest extends SignedHttpRequest {
  /** The Query parameters: the form body of a POST, the query of a GET (first value of each name). */
  readonly params: QueryParams;
  readonly secure: boolean;
  readonly sourceIp?: string | undefined;
}

export interface StsQueryResponse {
  readonly status: number;
  readonly requestId: string;
  /** XML. */
  readonly body: string;
}

/** STS actions AWS has that the local STS does not implement; they get a clearer message than unknown ones. */
const NOT_IMPLEMENTED = new Set(['AssumeRoleWithSAML', 'AssumeRoot', 'DecodeAuthorizationMessage', 'GetAccessKeyInfo', 'GetFederationToken', 'GetSessionToken', 'GetDelegatedAccessToken', 'GetWebIdentityToken']);

export interface QueryHandlerOptions {
  operations: StsOperations;
  directory: AccessKeyDirectory;
  clock: Clock;
  logger: Logger;
  events: EventSink;
}

function credentialsNode(result: AssumedRoleResult): { readonly [name: string]: XmlNode } {
  const { credentials } = result;
  return {
    AccessKeyId: credentials.accessKeyId,
    SecretAccessKey: credentials.secretAccessKey,
    SessionToken: credentials.sessionToken,
    Expiration: isoSeconds(credentials.expiresAt),
  };
}

export function createQueryHandler(options: QueryHandlerOptions) {
  const { operations, directory, clock, logger, events } = options;

  const errorResponse = (error: unknown, requestId: string = newRequestId()): StsQueryResponse => {
    const stsFailure = toStsError(error);
    return { status: stsFailure.status, requestId, body: renderError(stsFailure, requestId) };
  };

  const recordRefusal = (action: string | undefined, error: StsError, request: StsQueryRequest, requestId: string): void => {
    const roleArn = request.params['RoleArn'];
    if (error.status >= 500) {
      logger.error({ err: error.cause ?? error, requestId, action }, 'sts request failed');
      return;
    }
    logger.info({ requestId, action, code: error.awsCode, roleArn, reason: error.message, explain: error.detail }, 'sts request refused');
    if (action === 'AssumeRoleWithWebIdentity' || action === 'AssumeRole') {
      events.record({
        type: 'sts.request_refused',
        actor: 'sts',
        occurredAt: clock.now(),
        // What the caller sent is kept only when it is safe text; the writer escapes whatever else reaches it.
        roleArn: roleArn !== undefined && roleArn.length <= 2048 && isSafeText(roleArn) ? roleArn : undefined,
        details: { action, code: error.awsCode, message: error.message, requestId, sessionName: safeOrUndefined(request.params['RoleSessionName']?.slice(0, 64)) },
      });
    }
  };

  const dispatch = async (action: string, request: StsQueryRequest, requestId: string): Promise<string> => {
    const origin = { secure: request.secure, sourceIp: request.sourceIp };
    switch (action) {
      case 'AssumeRoleWithWebIdentity': {
        const params = readAssumeRoleWithWebIdentityParams(request.params);
        const result = await operations.assumeRoleWithWebIdentity(params, origin);
        return renderResult(
          action,
          {
            Audience: result.audience,
            AssumedRoleUser: { AssumedRoleId: result.credentials.assumedRoleId, Arn: result.credentials.assumedRoleArn },
            Provider: result.provider,
            Credentials: credentialsNode(result),
            SubjectFromWebIdentityToken: result.subjectFromWebIdentityToken,
            SourceIdentity: result.sourceIdentity,
            PackedPolicySize: result.packedPolicySize,
          },
          requestId,
        );
      }
      case 'AssumeRole': {
        const caller = await authenticateRequest(request, { directory, clock });
        const params = readAssumeRoleParams(request.params);
        const result = await operations.assumeRole(caller, params, origin);
        return renderResult(
          action,
          {
            AssumedRoleUser: { AssumedRoleId: result.credentials.assumedRoleId, Arn: result.credentials.assumedRoleArn },
            Credentials: credentialsNode(result),
            SourceIdentity: result.sourceIdentity,
            PackedPolicySize: result.packedPolicySize,
          },
          requestId,
        );
      }
      case 'GetCallerIdentity': {
        const caller = await authenticateRequest(request, { directory, clock });
        const result = operations.getCallerIdentity(caller);
        return renderResult(action, { Arn: result.arn, UserId: result.userId, Account: result.account }, requestId);
      }
      default:
        if (NOT_IMPLEMENTED.has(action)) throw stsError('InvalidAction', `The local STS does not implement ${action}; it serves AssumeRoleWithWebIdentity, AssumeRole and GetCallerIdentity.`);
        throw stsError('InvalidAction', `Could not find operation ${action} for version ${STS_API_VERSION}`);
    }
  };

  return {
    errorResponse,
    async handle(request: StsQueryRequest): Promise<StsQueryResponse> {
      const requestId = newRequestId();
      const action = request.params['Action'];
      try {
        checkSafeParameters(request.params);
        if (action === undefined || action === '') throw stsError('MissingAction', 'Missing Action');
        const version = request.params['Version'];
        if (version !== STS_API_VERSION) throw stsError('InvalidAction', `Could not find operation ${action} for version ${version ?? 'NO_VERSION_SPECIFIED'}`);
        const body = await dispatch(action, request, requestId);
        logger.debug({ requestId, action }, 'sts request served');
        return { status: 200, requestId, body };
      } catch (error) {
        const stsFailure = toStsError(error);
        recordRefusal(action, stsFailure, request, requestId);
        return { status: stsFailure.status, requestId, body: renderError(stsFailure, requestId) };
      }
    },
  };
}

export type QueryHandler = ReturnType<typeof createQueryHandler>;

function safeOrUndefined(value: string | undefined): string | undefined {
  return value !== undefined && isSafeText(value) ? value : undefined;
}
