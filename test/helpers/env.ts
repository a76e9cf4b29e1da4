/**
 * Sets environment variables for the duration of `work`, then puts back what was there
 * (the AWS SDK's credential providers read `process.env`). Tests using it must not run
 * concurrently with others in the same process that read the same variables.
 */
export async function withEnv<T>(values: Record<string, string>, work: () => Promise<T>): Promise<T> {
  const saved = Object.fromEntries(Object.keys(values).map((name) => [name, process.env[name]]));
  Object.assign(process.env, values);
  try {
    return await work();
  } finally {
    for (const [name, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  }
}
