/**
 * The local Entra endpoint's registry: federated identity credentials per application (or
 * managed identity), by client ID, in a tenant; from the database (`roleport azure
 * credential add`), read through a short cache.
 */
import { performance } from 'node:perf_hooks';
import { RoleportError, assertSafeText, invalidInput, type Clock } from '../core/index.ts';
import { clientIdProblem, federatedCredentialProblem, federatedCredentialSetProblem, tenantIdProblem } from '../azure/index.ts';

export interface EntraFederatedCredential {
  readonly tenantId: string;
  readonly clientId: string;
  readonly name: string;
  readonly issuer: string;
  readonly subject: string;
  readonly audiences: readonly string[];
  readonly description: string | undefined;
}

export type AddFederatedCredentialInput = Omit<EntraFederatedCredential, 'description'> & { description?: string | undefined };

export interface EntraRegistryStorage {
  list(): Promise<Array<{ client_id: string; name: string; tenant_id: string; issuer: string; subject: string; audiences: string; description: string | null }>>;
  upsert(row: { client_id: string; name: string; tenant_id: string; issuer: string; subject: string; audiences: string; description: string | null }, now: number): Promise<'added' | 'updated'>;
  remove(clientId: string, name: string): Promise<boolean>;
}

export interface EntraRegistry {
  /** An application's credentials (empty when none is registered). */
  credentialsOf(clientId: string): Promise<EntraFederatedCredential[]>;
  list(): Promise<EntraFederatedCredential[]>;
  add(input: AddFederatedCredentialInput): Promise<{ credential: EntraFederatedCredential; change: 'added' | 'updated' }>;
  remove(clientId: string, name: string): Promise<void>;
}

export function createEntraRegistry(options: { storage: EntraRegistryStorage; clock: Clock; reloadMs: number; allowHttpIssuers: boolean }): EntraRegistry {
  let snapshot: EntraFederatedCredential[] | undefined;
  let loadedAt = 0;
  const current = async (): Promise<EntraFederatedCredential[]> => {
    if (snapshot !== undefined && performance.now() - loadedAt < options.reloadMs) return snapshot;
    const started = performance.now();
    const rows = await options.storage.list();
    snapshot = rows.map((row) => ({
      tenantId: row.tenant_id,
      clientId: row.client_id,
      name: row.name,
      issuer: row.issuer,
      subject: row.subject,
      audiences: JSON.parse(row.audiences) as string[],
      description: row.description ?? undefined,
    }));
    loadedAt = started;
    return snapshot;
  };
  return {
    async credentialsOf(clientId) {
      return (await current()).filter((credential) => credential.clientId.toLowerCase() === clientId.toLowerCase());
    },
    list: current,
    async add(input) {
      // Safe text first (core/text.ts): the rules below name what is wrong in Entra's terms.
      for (const [name, value] of [['tenant', input.tenantId], ['client ID', input.clientId], ['credential name', input.name], ['issuer', input.issuer], ['subject', input.subject], ...input.audiences.map((audience) => ['audience', audience] as const)] as const) {
        assertSafeText(name, value, { maxLength: 2048 });
      }
      if (input.description !== undefined) assertSafeText('description', input.description, { maxLength: 4096, kind: 'multiline' });
      const problem =
        tenantIdProblem(input.tenantId) ?? clientIdProblem(input.clientId) ?? federatedCredentialProblem({ ...input, audiences: [...input.audiences] }, { allowHttpIssuer: options.allowHttpIssuers });
      if (problem !== undefined) throw invalidInput(problem);
      const clientId = input.clientId.toLowerCase();
      const existing = (await current()).filter((credential) => credential.clientId === clientId);
      if (existing.some((credential) => credential.tenantId !== input.tenantId)) throw invalidInput(`client ID ${clientId} is registered in tenant ${existing[0]?.tenantId}, not ${input.tenantId}`);
      const setProblem = federatedCredentialSetProblem(existing, input);
      if (setProblem !== undefined) throw invalidInput(setProblem);
      const credential: EntraFederatedCredential = { ...input, clientId, audiences: [...input.audiences], description: input.description };
      const change = await options.storage.upsert(
        { client_id: clientId, name: input.name, tenant_id: input.tenantId, issuer: input.issuer, subject: input.subject, audiences: JSON.stringify(input.audiences), description: input.description ?? null },
        options.clock.now(),
      );
      snapshot = undefined;
      return { credential, change };
    },
    async remove(clientId, name) {
      const removed = await options.storage.remove(clientId.toLowerCase(), name);
      snapshot = undefined;
      if (!removed) throw new RoleportError('ERR_NOT_FOUND', `no federated identity credential ${name} is registered for client ID ${clientId}`);
    },
  };
}
