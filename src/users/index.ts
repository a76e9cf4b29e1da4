/**
 * Users and their AWS roles. A user is created at first sign-in (or beforehand by the admin
 * CLI), and holds IAM role ARNs, each with its source: `claim` (the IdP's `aws_role_arn`
 * claim, which always replaces every other role) or `cli` (`roleport users
 * set-aws-role-arns`, kept while the IdP sends no such claim).
 *
 * @see https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_identifiers.html#identifiers-arns
 * @see https://openid.net/specs/openid-connect-core-1_0.html#StandardClaims
 */
import type { UserRepository } from '../store/index.ts';
import type { Clock, EventSink, Logger } from '../core/index.ts';
import { createUserService, type UserService } from './users.ts';
import type { ClaimNames } from './claims.ts';

export { readIdentityClaims, type ClaimNames, type IdentityClaims, type RejectedClaimValue } from './claims.ts';
export { parseRoleArnList, validateRoleArns, type SignInInput, type UserRole, type UserService, type UserView } from './users.ts';

export interface UsersDeps {
  repository: UserRepository;
  clock: Clock;
  /** Audit log: `user.created`, `user.signed_in`, `user.roles_set`, `user.unbound`, `user.deleted`. */
  events: EventSink;
  /** Warnings for dropped claim values name the user and the value. */
  logger: Logger;
  /** Config `sso.claims`. */
  claimNames: ClaimNames;
}

/**
 * Creates the user service. Every read goes to the database, so a change made by the CLI
 * on the same database is served by a running broker at once.
 *
 * @example
 * const users = createUsers({ repository, clock, events: audit, logger, claimNames: config.sso.claims });
 * await users.setRoleArns('alice', ['arn:aws:iam::111111111111:role/DataScientist'], 'cli');
 */
export function createUsers(deps: UsersDeps): UserService {
  return createUserService(deps);
}
