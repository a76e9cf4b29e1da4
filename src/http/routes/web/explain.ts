import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { explainWebIdentity, formatExplanation, readExplainRequest, type ExplainRequestInput } from '../../../aws/index.ts';
import { isRoleportError, type Clock } from '../../../core/index.ts';
import type { StsRegistry } from '../../../sts/index.ts';
import { EXPLAIN_LABELS, renderExplainPage, type ExplainFormValues } from '../../../web/explain-page.ts';
import { requireVisitorOn, type WebVisitorAuth } from '../../plugins/web-visitor.ts';
import { multilineText, safeText } from '../../schemas/text.ts';
import { nonEmpty } from './form-text.ts';

export interface ExplainPageOptions {
  /** The local STS's providers and roles, to pick from. */
  registry: Pick<StsRegistry, 'listRoles' | 'listProviders' | 'findRole' | 'findProvider'>;
  clock: Clock;
}

type FieldId = keyof typeof EXPLAIN_LABELS;

const FORM_FIELDS = {
  csrf: safeText(256),
  role: safeText(2048),
  policy: multilineText(10_240),
  token: multilineText(20_000),
  claims: multilineText(10_240),
  provider: safeText(2048),
  session_name: safeText(64),
  duration_seconds: safeText(16),
  secure_transport: { type: 'string', enum: ['', 'true', 'false'] },
  source_ip: safeText(64),
  at: safeText(64),
} as const;
type ExplainForm = Partial<Record<keyof typeof FORM_FIELDS, string>>;

/** The field of each input the request rule reads. */
const REQUEST_FIELDS: Partial<Record<keyof ExplainRequestInput, FieldId>> = {
  durationSeconds: 'explain-duration',
  secureTransport: 'explain-secure-transport',
  sourceIp: 'explain-source-ip',
  at: 'explain-at',
};

/**
 * The admins' trust-policy explainer: the form, and its answer from `explainWebIdentity` — the
 * function `roleport policy explain` calls, which builds the request context as the local STS
 * does — shown as a trace and in the CLI's own words (`formatExplanation`). A token is posted,
 * never put in a URL. Registered inside the web scope.
 */
export async function registerExplainPage(scope: FastifyInstance, auth: WebVisitorAuth, options: ExplainPageOptions): Promise<void> {
  const { registry } = options;
  const choices = async () => ({ roles: (await registry.listRoles()).map((role) => role.arn.arn), providers: (await registry.listProviders()).map((provider) => provider.url) });
  const send = async (request: FastifyRequest, reply: FastifyReply, view: Omit<Parameters<typeof renderExplainPage>[0], 'page' | 'roles' | 'providers'>, status = 200) =>
    reply.status(status).type('text/html; charset=utf-8').send(renderExplainPage({ page: auth.page(request), ...(await choices()), ...view }));

  await scope.register(async (admin) => {
    requireVisitorOn(admin, auth, 'admin');

    admin.get('/admin/explain', async (request, reply) => send(request, reply, { values: emptyValues() }));

    admin.post<{ Body: ExplainForm }>('/admin/explain', { schema: { body: { type: 'object', properties: FORM_FIELDS } } }, async (request, reply) => {
      const values = formValues(request.body);
      const refuse = (field: FieldId | undefined, message: string) => send(request, reply, { values, errors: field === undefined ? {} : { [field]: message }, error: field === undefined ? message : undefined }, 400);

      const role = values.role === '' ? undefined : await registry.findRole(values.role);
      if (values.role !== '' && role === undefined) return refuse('explain-role', `${values.role} is not a role of the local STS`);
      const policy = values.policy.trim() !== '' ? values.policy : role?.trustPolicyJson;
      if (policy === undefined) return refuse('explain-policy', 'give a trust policy, or pick a role of the local STS');
      const token = nonEmpty(values.token);
      const claimsText = nonEmpty(values.claims);
      if ((token === undefined) === (claimsText === undefined)) return refuse('explain-token', 'give exactly one of a token and claims');
      let claims: Record<string, unknown> | undefined;
      if (claimsText !== undefined) {
        const parsed = parseJsonObject(claimsText);
        if (parsed === undefined) return refuse('explain-claims', 'must be a JSON object of claims');
        claims = parsed;
      }
      const read = readExplainRequest({
        durationSeconds: nonEmpty(values.durationSeconds),
        secureTransport: nonEmpty(values.secureTransport),
        sourceIp: nonEmpty(values.sourceIp),
        at: nonEmpty(values.at),
      });
      if (!read.ok) return refuse(REQUEST_FIELDS[read.field], `${read.value}: ${read.problem}`);
      const provider = nonEmpty(values.provider);
      // A provider of the local STS brings its client IDs, so aud is checked as the STS checks it.
      const known = provider === undefined ? undefined : await registry.findProvider(provider);

      let result;
      try {
        result = explainWebIdentity({
          now: options.clock.now(),
          policy,
          token,
          claims,
          provider,
          sessionName: nonEmpty(values.sessionName),
          clientIds: known?.clientIds,
          ...read.value,
          maxSessionDurationSeconds: role?.maxSessionDurationSeconds,
          roleTags: role === undefined || Object.keys(role.tags).length === 0 ? undefined : role.tags,
        });
      } catch (error) {
        if (!isRoleportError(error)) throw error;
        if (error.code === 'ERR_POLICY_MALFORMED') return refuse('explain-policy', `MalformedPolicyDocument: ${error.message}`);
        if (error.code === 'ERR_TOKEN_INVALID') return refuse('explain-token', error.message);
        if (error.code === 'ERR_INPUT_INVALID') return refuse(/provider/i.test(error.message) ? 'explain-provider' : undefined, error.message);
        throw error;
      }
      return send(request, reply, { values, result, text: formatExplanation(result, { color: false }) });
    });
  });
}

function emptyValues(): ExplainFormValues {
  return { role: '', policy: '', token: '', claims: '', provider: '', sessionName: '', durationSeconds: '', secureTransport: '', sourceIp: '', at: '' };
}

function formValues(form: ExplainForm): ExplainFormValues {
  return {
    role: form.role ?? '',
    policy: form.policy ?? '',
    token: form.token ?? '',
    claims: form.claims ?? '',
    provider: form.provider ?? '',
    sessionName: form.session_name ?? '',
    durationSeconds: form.duration_seconds ?? '',
    secureTransport: form.secure_transport ?? '',
    sourceIp: form.source_ip ?? '',
    at: form.at ?? '',
  };
}

function parseJsonObject(text: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}
