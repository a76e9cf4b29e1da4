/**
 * Upper bound `min(cap, base·2^(failures−1))`, then a uniform draw below it ("full jitter"):
 * the retry delay of the STS exchange, the agent's token refresh and its container credentials.
 * @see https://aws.amazon.com/blogs/architecture/exponential-backoff-and-jitter/
 */
export function fullJitterDelay(failures: number, baseMs: number, capMs: number, random: () => number): number {
  const ceiling = Math.min(capMs, baseMs * 2 ** Math.max(0, failures - 1));
  return Math.floor(random() * ceiling);
}
