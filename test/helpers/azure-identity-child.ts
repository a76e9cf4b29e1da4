/**
 * Run as a child process by the Azure tests: `@azure/identity`'s WorkloadIdentityCredential,
 * unchanged, configured only by the environment (AZURE_TENANT_ID, AZURE_CLIENT_ID,
 * AZURE_FEDERATED_TOKEN_FILE, AZURE_AUTHORITY_HOST) and trusting the dev CA through
 * NODE_EXTRA_CA_CERTS, which Node reads only at start — hence a process of its own.
 * Prints one JSON line: {ok: true, token, expiresOnTimestamp} or {ok: false, name, message}.
 *
 * argv[2] = 'no-instance-discovery': MSAL asks login.microsoftonline.com to validate any
 * authority that is not Microsoft's; the credential's own `disableInstanceDiscovery` option
 * skips that call (nothing may leave this machine). Otherwise the call goes through
 * HTTPS_PROXY, which the test points at a loopback proxy.
 */
import { WorkloadIdentityCredential } from '@azure/identity';

const scope = process.argv[3] ?? 'https://management.azure.com/.default';
const credential = new WorkloadIdentityCredential(process.argv[2] === 'no-instance-discovery' ? { disableInstanceDiscovery: true } : {});
try {
  const token = await credential.getToken(scope);
  process.stdout.write(`${JSON.stringify({ ok: true, token: token.token, expiresOnTimestamp: token.expiresOnTimestamp })}\n`);
} catch (error) {
  process.stdout.write(`${JSON.stringify({ ok: false, name: (error as Error).name, message: (error as Error).message })}\n`);
}
