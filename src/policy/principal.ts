/**
 * The `Principal` / `NotPrincipal` element.
 *
 * @see https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html
 */
import { isAccountId, parseArn } from '../iam/index.ts';
import { malformedPolicy, quoteList } from './errors.ts';
import type { ElementTrace, PolicyPrincipal, RequestPrincipal } from './types.ts';

/**
 * A compiled principal list. Federated and service principals match exactly (an array is
 * OR, `"*"` matches any); AWS principals match as IAM does:
 * - `"*"` matches any AWS principal;
 * - a 12-digit account ID, or `arn:PARTITION:iam::ACCOUNT:root`, matches every principal
 *   of that account (the account stands for all its identities);
 * - any other ARN matches exactly, except that a role ARN also matches the role's sessions,
 *   `arn:PARTITION:sts::ACCOUNT:assumed-role/NAME/SESSION`.
 *
 * Role paths: an assumed-role ARN carries the role name but not its path, and IAM role names
 * are unique within an account whatever their path, so a role ARN
 * `arn:aws:iam::ACCOUNT:role/PATH/NAME` is compared with a session by partition, account and
 * NAME only — the path is ignored, as AWS does for assumed-role principals in trust policies.
 * Partial wildcards (`arn:aws:iam::*:role/x`) are refused when the policy is parsed: IAM does
 * not support them in principals.
 */
export class PrincipalMatcher {
  readonly #everyone: boolean;
  readonly #anyAws: boolean;
  readonly #anyFederated: boolean;
  readonly #anyService: boolean;
  readonly #federated: ReadonlySet<string>;
  readonly #service: ReadonlySet<string>;
  readonly #awsExact: ReadonlySet<string>;
  /** Account IDs from bare IDs (any partition). */
  readonly #accounts: ReadonlySet<string>;
  /** `partition:account` from root ARNs. */
  readonly #rootAccounts: ReadonlySet<string>;
  /** `partition:account:role-name` from role ARNs, for matching sessions. */
  readonly #roles: ReadonlyMap<string, string>;
  readonly #listed: string;

  constructor(spec: PolicyPrincipal, path: string) {
    this.#everyone = spec === '*';
    const aws = spec === '*' ? [] : (spec.aws ?? []);
    const federated = spec === '*' ? [] : (spec.federated ?? []);
    const service = spec === '*' ? [] : (spec.service ?? []);
    if (spec !== '*' && aws.length + federated.length + service.length === 0) {
      throw malformedPolicy(`${path} must name at least one principal`);
    }
    const checkWildcards = (values: readonly string[], type: string): void => {
      values.forEach((value, index) => {
        if (value === '') throw malformedPolicy(`${path}.${type}[${index}] must not be empty`);
        if (value !== '*' && (value.includes('*') || value.includes('?'))) {
          throw malformedPolicy(`${path}.${type}[${index}]: ${JSON.stringify(value)} uses a wildcard; principals allow "*" only on its own`);
        }
      });
    };
    checkWildcards(aws, 'AWS');
    checkWildcards(federated, 'Federated');
    checkWildcards(service, 'Service');
    this.#anyAws = aws.includes('*');
    this.#anyFederated = federated.includes('*');
    this.#anyService = service.includes('*');
    this.#federated = new Set(federated);
    this.#service = new Set(service);
    const exact = new Set<string>();
    const accounts = new Set<string>();
    const rootAccounts = new Set<string>();
    const roles = new Map<string, string>();
    aws.forEach((value, index) => {
      if (value === '*') return;
      if (isAccountId(value)) {
        accounts.add(value);
        return;
      }
      const arn = parseArn(value);
      if (arn === undefined || arn.partition === '' || !isAccountId(arn.account) || arn.resource === '') {
        throw malformedPolicy(`${path}.AWS[${index}]: ${JSON.stringify(value)} is not "*", a 12-digit account ID or a principal ARN`);
      }
      if (arn.service === 'iam' && arn.resource === 'root') {
        rootAccounts.add(`${arn.partition}:${arn.account}`);
        return;
      }
      exact.add(value);
      if (arn.service === 'iam' && arn.resource.startsWith('role/')) {
        const name = arn.resource.slice(arn.resource.lastIndexOf('/') + 1);
        roles.set(`${arn.partition}:${arn.account}:${name}`, value);
      }
    });
    this.#awsExact = exact;
    this.#accounts = accounts;
    this.#rootAccounts = rootAccounts;
    this.#roles = roles;
    const listed: string[] = [];
    if (aws.length > 0) listed.push(`AWS ${quoteList(aws)}`);
    if (federated.length > 0) listed.push(`Federated ${quoteList(federated)}`);
    if (service.length > 0) listed.push(`Service ${quoteList(service)}`);
    this.#listed = spec === '*' ? '"*"' : listed.join(', ');
  }

  /** Whether the request's principal is among the listed ones, with the reason. */
  match(principal: RequestPrincipal | undefined): ElementTrace {
    if (this.#everyone) return { matched: true, detail: 'principal "*" matches every caller' };
    if (principal !== undefined) {
      const { federated, aws, service } = principal;
      if (federated !== undefined) {
        if (this.#anyFederated) return { matched: true, detail: `federated principal ${JSON.stringify(federated)} matches Federated "*"` };
        if (this.#federated.has(federated)) return { matched: true, detail: `federated principal ${JSON.stringify(federated)} is listed` };
      }
      if (service !== undefined) {
        if (this.#anyService) return { matched: true, detail: `service principal ${JSON.stringify(service)} matches Service "*"` };
        if (this.#service.has(service)) return { matched: true, detail: `service principal ${JSON.stringify(service)} is listed` };
      }
      if (aws !== undefined) {
        const detail = this.#matchAws(aws);
        if (detail !== undefined) return { matched: true, detail };
      }
    }
    return { matched: false, detail: `${describeRequestPrincipal(principal)} is not among ${this.#listed}` };
  }

  #matchAws(caller: string): string | undefined {
    const quoted = JSON.stringify(caller);
    if (this.#anyAws) return `AWS principal ${quoted} matches AWS "*"`;
    if (this.#awsExact.has(caller)) return `AWS principal ${quoted} is listed`;
    if (isAccountId(caller)) {
      return this.#accounts.has(caller) ? `AWS principal ${quoted} is a listed account` : undefined;
    }
    const arn = parseArn(caller);
    if (arn === undefined) return undefined;
    if (this.#accounts.has(arn.account)) return `AWS principal ${quoted} belongs to listed account ${arn.account}`;
    if (this.#rootAccounts.has(`${arn.partition}:${arn.account}`)) {
      return `AWS principal ${quoted} belongs to account ${arn.account}, listed by its root ARN`;
    }
    if (arn.service === 'sts' && arn.resource.startsWith('assumed-role/')) {
      const name = arn.resource.slice('assumed-role/'.length, arn.resource.lastIndexOf('/'));
      const role = this.#roles.get(`${arn.partition}:${arn.account}:${name}`);
      if (role !== undefined) return `AWS principal ${quoted} is a session of listed role ${JSON.stringify(role)}`;
    }
    return undefined;
  }
}

/** `federated principal "arn:…"`, or `an anonymous caller`. */
function describeRequestPrincipal(principal: RequestPrincipal | undefined): string {
  const parts: string[] = [];
  if (principal?.federated !== undefined) parts.push(`federated principal ${JSON.stringify(principal.federated)}`);
  if (principal?.aws !== undefined) parts.push(`AWS principal ${JSON.stringify(principal.aws)}`);
  if (principal?.service !== undefined) parts.push(`service principal ${JSON.stringify(principal.service)}`);
  return parts.length === 0 ? 'an anonymous caller' : parts.join(' / ');
}
