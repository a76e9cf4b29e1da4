/**
 * Secrets at rest: the master key and the AES-256-GCM sealer every stored secret goes
 * through.
 * @see https://nvlpubs.nist.gov/nistpubs/Legacy/SP/nistspecialpublication800-38d.pdf
 */
export { createSealer, masterKeyId, type Sealer } from './sealer.ts';
export { loadMasterKey, decodeMasterKey, MASTER_KEY_FILE, type MasterKeyResult } from './master-key.ts';
export { MASTER_KEY_CHECK, explainMasterKeyFailure, verifyMasterKey, type MasterKeyCheckStorage } from './master-key-check.ts';
