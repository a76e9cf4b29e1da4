/**
 * Run as a child process by the SQLite concurrency test: a second process writing to the
 * same SQLite file as another one, the way `roleport users …` writes while a broker runs.
 * argv: the config as JSON (`loadConfig` overrides: the shared `sqlite:` database URL and
 * master key, a data directory of its own), the number of iterations, the user who signs in,
 * the user whose `display_name` holds a counter.
 * Each iteration is two read-then-write transactions on rows the other process writes too: a
 * sign-in (`users.recordSignIn`, which reads the user, then writes its row, roles and an
 * access change) and the counter (read, then written back plus one — a lost update would
 * show in the final count). Prints one JSON line: {failures, errors}.
 */
import { loadConfig, type RoleportConfigInput } from '../../src/config/index.ts';
import { createServices } from '../../src/services.ts';

const overrides = JSON.parse(process.argv[2]!) as Partial<RoleportConfigInput>;
const iterations = Number(process.argv[3]);
const username = process.argv[4]!;
const counter = process.argv[5]!;
const roles = ['arn:aws:iam::111111111111:role/One', 'arn:aws:iam::222222222222:role/Two'];

const services = await createServices(loadConfig({ env: {}, overrides }));
const errors: string[] = [];
for (let i = 0; i < iterations; i++) {
  try {
    await services.users.recordSignIn({
      issuer: 'https://idp.example.test',
      kind: 'sign-in',
      // The role claim changes at every sign-in, so every one writes the role rows too.
      claims: { sub: `sub-${username}`, preferred_username: username, aws_role_arn: roles.slice(0, 1 + (i % 2)) },
    });
    await services.repositories.users.transaction(async (users) => {
      const user = (await users.findByUsername(counter))!;
      await users.update(user.id, { display_name: String(Number(user.display_name ?? '0') + 1) });
    });
  } catch (error) {
    errors.push((error as Error).message);
  }
}
await services.close();
process.stdout.write(`${JSON.stringify({ failures: errors.length, errors: [...new Set(errors)] })}\n`);
