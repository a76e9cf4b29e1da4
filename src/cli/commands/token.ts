import { withServices, type ConfigFlags } from '../context.ts';
import { parseClaimArguments, print } from '../output.ts';

export interface TokenMintOptions extends ConfigFlags {
  sub: string;
  aud: string[];
  ttlSeconds?: number | undefined;
  /** `key=value` arguments of `--claim`; JSON values allowed. */
  claims: readonly string[];
  json: boolean;
}

/** `roleport token mint`: a token signed by this issuer, printed bare (or as JSON). */
export async function runTokenMint(options: TokenMintOptions): Promise<void> {
  const claims = parseClaimArguments(options.claims);
  const result = await withServices(options, async (services) =>
    services.mintToken({ subject: options.sub, audience: options.aud, ttlSeconds: options.ttlSeconds, claims, actor: 'cli' }),
  );
  if (options.json) {
    print({ json: true }, { token: result.token, jti: result.jti, kid: result.kid, expires_at: new Date(result.expiresAt * 1000).toISOString(), claims: result.claims }, () => '');
  } else {
    // Bare: `roleport token mint … > token` must be a file the AWS SDKs can use as
    // AWS_WEB_IDENTITY_TOKEN_FILE, and they do not trim it. A terminal still gets a newline.
    process.stdout.write(process.stdout.isTTY ? `${result.token}\n` : result.token);
  }
}
