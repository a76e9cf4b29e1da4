/**
 * The OIDC issuer: signing keys and their rotation, discovery and JWKS documents, and the
 * minting core every Roleport-signed token goes through.
 * @see https://openid.net/specs/openid-connect-discovery-1_0.html
 * @see https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_providers_create_oidc.html
 */
export { createKeyManager, type KeyManager, type KeyManagerOptions, type KeySummary, type RotateOptions } from './key-manager.ts';
export { planLifecycle, type LifecyclePolicy, type LifecycleStep } from './key-lifecycle.ts';
export { createMinter, type MintOptions, type MintResult, type MinterOptions, type MintToken } from './mint.ts';
export {
  renderSubject,
  parseSubjectTemplate,
  subjectTemplateBinding,
  assertSubjectTemplate,
  ROLE_PLACEHOLDERS,
  type SubjectBinding,
  type SubjectTemplatePiece,
} from './subject-template.ts';
export {
  buildDiscoveryDocument,
  buildJwks,
  buildIssuerDocuments,
  DISCOVERY_PATH,
  JWKS_PATH,
  SUPPORTED_CLAIMS,
  type IssuerDocuments,
  type ServedDocument,
} from './documents.ts';
export { generateSigningKey, importSigningKey, type SigningAlgorithm, type SigningKeyMaterial, type PublicJwk } from './signing-key.ts';
export { publishIssuerDocuments, type PublishResult } from './publish.ts';
