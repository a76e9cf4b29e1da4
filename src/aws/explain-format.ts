import { formatEvaluation } from '../policy/index.ts';
import type { ExplainResult, StsCheck } from './explain.ts';

export interface FormatExplanationOptions {
  /** ANSI colors (the CLI sets it when stdout is a terminal). The ✓/✗ markers are there either way. */
  color?: boolean;
}

const RED = '\u001b[31m';
const GREEN = '\u001b[32m';
const YELLOW = '\u001b[33m';
const BOLD = '\u001b[1m';
const RESET = '\u001b[0m';

const MARKS: Record<StsCheck['status'], string> = { pass: '✓', fail: '✗', warn: '!', skip: '-' };

/**
 * The explanation for people: the trust policy's decision and trace (the engine's own
 * rendering), the conditions to fix, what went into the request context, then STS's other
 * checks and the answer STS would give.
 */
export function formatExplanation(result: ExplainResult, options: FormatExplanationOptions = {}): string {
  const color = options.color === true;
  const paint = (code: string, text: string): string => (color ? `${code}${text}${RESET}` : text);
  const lines: string[] = [];

  lines.push(`${paint(BOLD, `Trust policy for ${result.action}:`)} ${formatEvaluation(result, { color })}`);
  if (result.failingConditions.length > 0) {
    lines.push('', paint(BOLD, result.failingConditions.length === 1 ? 'Failing condition:' : 'Failing conditions:'));
    for (const condition of result.failingConditions) {
      const where = condition.sid === undefined || condition.sid === '' ? `statement ${condition.statement}` : `statement ${condition.statement} ${JSON.stringify(condition.sid)}`;
      lines.push(`  ${paint(RED, `✗ ${where}: ${condition.explanation}`)}`);
    }
  }
  for (const related of result.related) {
    lines.push('', `${paint(BOLD, `${related.action}`)} (${related.why}): ${formatEvaluation(related, { color })}`);
  }

  const provider = result.provider;
  const accountNote = {
    'provider-arn': 'from --provider',
    'policy-principal': "account from the policy's Principal",
    placeholder: 'placeholder account: give --provider ARN',
    'built-in': 'a provider built into IAM, named without an account',
  }[provider.accountSource];
  lines.push('', paint(BOLD, 'Request:'));
  lines.push(`  provider  ${provider.arn} (${accountNote})`);
  lines.push(`  audience  ${result.audience.value === undefined ? '(none)' : JSON.stringify(result.audience.value)} (${result.audience.reason})`);
  lines.push('  context');
  const keys = Object.keys(result.context);
  if (keys.length === 0) lines.push('    (empty)');
  for (const key of keys) lines.push(`    ${key} = ${JSON.stringify(result.context[key])}`);

  lines.push('', paint(BOLD, 'STS checks:'));
  for (const check of result.checks) {
    const code = check.status === 'fail' ? RED : check.status === 'warn' ? YELLOW : check.status === 'pass' ? GREEN : '';
    const text = `${MARKS[check.status]} ${check.name}: ${check.stsError === undefined ? '' : `${check.stsError}: `}${check.message}`;
    lines.push(`  ${code === '' ? text : paint(code, text)}`);
  }
  lines.push(
    '',
    result.sts.outcome === 'success'
      ? paint(BOLD + GREEN, 'STS would answer: credentials (signature not verified: explain has no keys)')
      : paint(BOLD + RED, `STS would answer: ${result.sts.code}: ${result.sts.message}`),
  );
  if (result.notes.length > 0) {
    lines.push('', paint(BOLD, 'Notes:'));
    for (const note of result.notes) lines.push(`  - ${note}`);
  }
  return lines.join('\n');
}
