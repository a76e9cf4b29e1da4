/**
 * Renders a {@link PolicyEvaluation} for people: the decision first, then each statement
 * with every element marked `✓` (matched) or `✗` (did not match).
 */
import type { ElementTrace, PolicyEvaluation, StatementTrace } from './types.ts';

export interface FormatEvaluationOptions {
  /** ANSI colors: red for `✗`, green for `✓`. Default false. */
  readonly color?: boolean;
}

const ANSI = { red: '\u001b[31m', green: '\u001b[32m', bold: '\u001b[1m', reset: '\u001b[0m' } as const;

function statementName(statement: StatementTrace | undefined, index: number): string {
  const sid = statement?.sid;
  return sid === undefined || sid === '' ? `statement ${index}` : `statement ${index} ${JSON.stringify(sid)}`;
}

function listStatements(evaluation: PolicyEvaluation): string {
  const names = evaluation.decidingStatements.map((index) => statementName(evaluation.statements[index], index));
  if (names.length === 1) return names[0] as string;
  return names.join(', ').replace(/^statement/, 'statements').replace(/, statement /g, ', ');
}

export function formatEvaluation(evaluation: PolicyEvaluation, options: FormatEvaluationOptions = {}): string {
  const color = options.color === true;
  const paint = (code: string, text: string): string => (color ? `${code}${text}${ANSI.reset}` : text);
  const mark = (matched: boolean, text: string): string => (matched ? paint(ANSI.green, `✓ ${text}`) : paint(ANSI.red, `✗ ${text}`));

  let headline: string;
  switch (evaluation.reason) {
    case 'allowed':
      headline = paint(ANSI.bold + ANSI.green, `ALLOW (allowed by ${listStatements(evaluation)})`);
      break;
    case 'explicit-deny':
      headline = paint(ANSI.bold + ANSI.red, `DENY (explicit deny by ${listStatements(evaluation)})`);
      break;
    case 'implicit-deny':
      headline = paint(ANSI.bold + ANSI.red, 'DENY (implicit: no statement allowed the request)');
      break;
  }
  const lines = [headline];
  for (const statement of evaluation.statements) {
    const name = statementName(statement, statement.index);
    const title = `${name.charAt(0).toUpperCase()}${name.slice(1)} (${statement.effect})`;
    const outcome = statement.applies ? (statement.effect === 'Deny' ? 'applies: explicit deny' : 'applies') : 'does not apply';
    lines.push(`  ${mark(statement.applies, `${title}: ${outcome}`)}`);
    const element = (label: string, trace: ElementTrace): void => {
      lines.push(`      ${mark(trace.matched, `${label}: ${trace.detail}`)}`);
    };
    element('Principal', statement.principal);
    element('Action', statement.action);
    element('Resource', statement.resource);
    for (const condition of statement.conditions) {
      lines.push(`      ${mark(condition.matched, `Condition: ${condition.explanation}`)}`);
    }
  }
  return lines.join('\n');
}
