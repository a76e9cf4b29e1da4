import type { Command } from 'commander';
import { withServices, type ConfigFlags } from '../context.ts';
import { UsageError, parseClaimArguments, print } from '../output.ts';
import { collectSafeText, safeText } from '../text-flags.ts';

interface MintFlags extends ConfigFlags {
  sub?: string;
  aud?: string[];
  ttl?: string;
  claim?: string[];
  json?: boolean;
}

const collect = (value: string, previous: string[] = []): string[] => [...previous, value];

export function registerTokenCommands(program: Command): void {
  const token = program.command('token').description('tokens signed by this issuer');
  token
    .command('mint')
    .description('mint a token (admin; for testing trust policies) and print it bare')
    .requiredOption('--sub <subject>', 'the sub claim', safeText('--sub', { minLength: 1, maxLength: 1024 }))
    .requiredOption('--aud <audience>', 'the aud claim (repeat for several)', collectSafeText('--aud', { minLength: 1, maxLength: 255 }))
    .option('--ttl <seconds>', 'lifetime in seconds')
    .option('--claim <key=value>', 'an extra claim; JSON values allowed (repeatable)', collect)
    .option('--json', 'print {token, jti, kid, expires_at, claims}')
    .action(async (_options: unknown, command: Command) => {
      const flags = command.optsWithGlobals<MintFlags>();
      const ttl = flags.ttl === undefined ? undefined : Number(flags.ttl);
      if (ttl !== undefined && (!Number.isInteger(ttl) || ttl <= 0)) throw new UsageError(`--ttl ${flags.ttl}: expected a positive whole number of seconds`);
      const claims = parseClaimArguments(flags.claim ?? []);
      const result = await withServices(flags, async (services) =>
        services.mintToken({ subject: flags.sub!, audience: flags.aud!, ttlSeconds: ttl, claims, actor: 'cli' }),
      );
      if (flags.json === true) {
        print({ json: true }, { token: result.token, jti: result.jti, kid: result.kid, expires_at: new Date(result.expiresAt * 1000).toISOString(), claims: result.claims }, () => '');
      } else {
        // Bare: `roleport token mint … > token` must be a file the AWS SDKs can use as
        // AWS_WEB_IDENTITY_TOKEN_FILE, and they do not trim it. A terminal still gets a newline.
        process.stdout.write(process.stdout.isTTY ? `${result.token}\n` : result.token);
      }
    });
}
