import { decodeToken } from '../../client/index.ts';
import { inSessionContext, type InSessionFlags } from '../in-session.ts';
import { UsageError, print } from '../output.ts';

export interface IdpTokenOptions extends InSessionFlags {
  audience?: string | undefined;
  /** The session role the token is for (default the first): its sub names that role. */
  roleArn?: string | undefined;
  /** A GCP target of the session instead of a role: the token its external_account file reads. */
  gcp?: string | undefined;
  /** An Azure target of the session instead of a role. */
  azure?: string | undefined;
  /** Print the header and claims instead (not verified). */
  decode: boolean;
  json: boolean;
}

/** `roleport idp token`: a fresh identity token of the current session, for a role or a cloud target (or its claims). */
export async function runIdpToken(flags: IdpTokenOptions): Promise<void> {
  const picked = [flags.roleArn === undefined ? [] : [flags.roleArn], flags.gcp === undefined ? [] : [`gcp:${flags.gcp}`], flags.azure === undefined ? [] : [`azure:${flags.azure}`]].flat();
  if (picked.length > 1) throw new UsageError('give one of --role-arn, --gcp and --azure: each token is for one role or target');
  const context = inSessionContext(flags);
  // The broker picks the target by resource; an --audience alone that is a target's picks that target.
  const exchanged = await context.client.exchangeToken({ sessionCredential: context.credential, audience: flags.audience, resource: picked[0] });
  if (flags.decode) {
    const decoded = decodeToken(exchanged.token);
    print(flags, decoded, () => JSON.stringify(decoded, null, 2));
    return;
  }
  print(flags, { token: exchanged.token, issued_token_type: exchanged.issuedTokenType, expires_in: exchanged.expiresInSeconds }, () => exchanged.token);
}
