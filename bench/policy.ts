import { evaluatePolicy } from '../src/policy/index.ts';
import { buildBenchmarkPolicy } from '../src/policy/bench-fixture.ts';
import { runFor } from './setup.ts';

export interface PolicyBenchResult {
  evaluationsPerSecond: number;
  /** Same-run reference: JSON.stringify of the request context, a fixed amount of plain JS work. */
  referencePerSecond: number;
  ratio: number;
  target: number;
}

/**
 * Trust-policy evaluations/s (issue 3): the 10-statement fixture, full trace, one core.
 * The absolute target is 200k/s; the reference rate makes the figure comparable across
 * machines (how many evaluations per plain serialization of the same request).
 */
export async function runPolicyBench(durationMs = 2000): Promise<PolicyBenchResult> {
  const { policy, request } = buildBenchmarkPolicy();
  let sink = 0;
  const reference = await runFor(durationMs, () => {
    sink += JSON.stringify(request).length;
  });
  const evaluations = await runFor(durationMs, () => {
    sink += evaluatePolicy(policy, request).decision === 'allow' ? 1 : 0;
  });
  if (sink === 0) throw new Error('benchmark produced nothing');
  const evaluationsPerSecond = evaluations.operations / evaluations.seconds;
  const referencePerSecond = reference.operations / reference.seconds;
  return { evaluationsPerSecond, referencePerSecond, ratio: evaluationsPerSecond / referencePerSecond, target: 200_000 };
}
