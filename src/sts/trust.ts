/**
 * Trust policies: what a role's policy must look like, and the authorization step of every
 * AssumeRole* call. The IAM engine itself lives in src/policy; app.ts hands its functions
 * in, so this module only depends on its types.
 * @see https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html
 * @see https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_terms-and-concepts.html#term_trust-policy
 */
import { RoleportError } from '../core/index.ts';
import type { PolicyDocument, PolicyEvaluation, PolicyRequest } from '../policy/index.ts';
import { stsError } from '../iam/index.ts';

export type TrustPolicy = PolicyDocument;
export type TrustEvaluation = PolicyEvaluation;
export type TrustRequest = PolicyRequest;

/** The policy engine's functions the STS uses (src/policy's `parsePolicy`, `evaluatePolicy`, `formatEvaluation`). */
export interface PolicyEngineFunctions {
  parsePolicy(document: unknown): PolicyDocument;
  evaluatePolicy(policy: PolicyDocument, request: PolicyRequest): PolicyEvaluation;
  formatEvaluation(evaluation: PolicyEvaluation): string;
}

export interface TrustPolicyEngine {
  /** Parses a role's trust policy; `ERR_POLICY_MALFORMED` naming the element when it is not one. */
  parseTrustPolicy(json: string): TrustPolicy;
  /**
   * Parses an identity-based policy (attached to a user, a role or a permission set);
   * `ERR_POLICY_MALFORMED` naming the element when it is not one.
   */
  parseIdentityPolicy(json: string): PolicyDocument;
  /** Parses an inline session policy (`Policy` parameter); `MalformedPolicyDocument` when it is not one. */
  parseSessionPolicy(json: string): PolicyDocument;
  evaluate(policy: TrustPolicy, request: TrustRequest): TrustEvaluation;
  format(evaluation: TrustEvaluation): string;
}

function malformed(message: string): RoleportError {
  return new RoleportError('ERR_POLICY_MALFORMED', message);
}

export function createTrustPolicyEngine(functions: PolicyEngineFunctions): TrustPolicyEngine {
  return {
    parseTrustPolicy(json) {
      const document = functions.parsePolicy(json);
      // IAM refuses these when a trust policy is saved (UpdateAssumeRolePolicy): a trust
      // policy is a resource-based policy on the role itself.
      document.statements.forEach((statement, index) => {
        if (statement.principal === undefined && statement.notPrincipal === undefined) throw malformed(`Statement[${index}]: missing required field Principal (a trust policy names who may assume the role)`);
        if (statement.resource !== undefined) throw malformed(`Statement[${index}]: has prohibited field Resource (a trust policy applies to its role)`);
        if (statement.notResource !== undefined) throw malformed(`Statement[${index}]: has prohibited field NotResource (a trust policy applies to its role)`);
      });
      return document;
    },
    parseIdentityPolicy(json) {
      const document = functions.parsePolicy(json);
      // IAM refuses these when an identity policy is saved (PutUserPolicy, PutRolePolicy,
      // PutInlinePolicyToPermissionSet): the principal is whoever the policy is attached to.
      document.statements.forEach((statement, index) => {
        if (statement.principal !== undefined || statement.notPrincipal !== undefined) {
          throw malformed(`Statement[${index}]: has prohibited field Principal (an identity policy applies to whoever it is attached to)`);
        }
        if (statement.resource === undefined && statement.notResource === undefined) {
          throw malformed(`Statement[${index}]: missing required field Resource (an identity policy names the resources it covers, e.g. the role ARNs)`);
        }
      });
      return document;
    },
    parseSessionPolicy(json) {
      let document: PolicyDocument;
      try {
        document = functions.parsePolicy(json);
      } catch (error) {
        throw stsError('MalformedPolicyDocument', (error as Error).message, { cause: error });
      }
      document.statements.forEach((statement, index) => {
        if (statement.principal !== undefined || statement.notPrincipal !== undefined) {
          throw stsError('MalformedPolicyDocument', `Statement[${index}]: Policy document should not specify a principal.`);
        }
      });
      return document;
    },
    evaluate: (policy, request) => functions.evaluatePolicy(policy, request),
    format: (evaluation) => functions.formatEvaluation(evaluation),
  };
}

/**
 * Evaluates the role's trust policy for `request.action` and throws AWS's `AccessDenied`
 * when it does not allow it. The trace goes into the error's server-only `detail`: AWS
 * tells the caller nothing more, the broker's log and `roleport policy explain` tell the admin.
 */
export function authorizeTrust(engine: TrustPolicyEngine, policy: TrustPolicy, request: TrustRequest): TrustEvaluation {
  const evaluation = engine.evaluate(policy, request);
  if (evaluation.decision !== 'allow') {
    throw stsError('AccessDenied', `Not authorized to perform ${request.action}`, { detail: engine.format(evaluation) });
  }
  return evaluation;
}
