import { decodeToken } from '../../client/index.ts';
import { inSessionContext, type InSessionFlags } from '../in-session.ts';
import { print } from '../output.ts';

export interface IdpTokenOptions extends InSessionFlags {
  audience?: string | undefined;
  /** The session role the token is for (default the first): its sub names that role. */
  roleArn?: string | undefined;
  /** Print the header and claims instead (not verified). */
  decode: boolean;
  json: boolean;
}

/** `roleport idp token`: a fresh identity token of the current session (or its claims). */
export async function runIdpToken(flags: IdpTokenOptions): Promise<void> {
  const context = inSessionContext(flags);
  const exchanged = await context.client.exchangeToken({ sessionCredential: context.credential, audience: flags.audience, resource: flags.roleArn });
  if (flags.decode) {
    const decoded = decodeToken(exchanged.token);
    print(flags, decoded, () => JSON.stringify(decoded, null, 2));
    return;
  }
  print(flags, { token: exchanged.token, issued_token_type: exchanged.issuedTokenType, expires_in: exchanged.expiresInSeconds }, () => exchanged.token);
}
