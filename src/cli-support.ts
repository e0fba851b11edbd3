import { loadConfig } from './config.js';
import { openRuntime, type Runtime } from './runtime.js';

/** Exit codes: 0 ok, 1 failure, 2 bad configuration or usage. */
export class CliError extends Error {
  constructor(
    message: string,
    public readonly exitCode = 1,
  ) {
    super(message);
  }
}

export const cliLog = {
  info: (msg: string) => process.stderr.write(`${msg}\n`),
  error: (o: object, msg: string) => process.stderr.write(`${msg} ${JSON.stringify(o)}\n`),
};

/** Runs `fn` with a database runtime (no job queue) and always closes it. */
export async function withRuntime<T>(fn: (rt: Runtime) => Promise<T>, jobs = false): Promise<T> {
  const rt = await openRuntime(loadConfig(process.env), { jobs, log: cliLog });
  try {
    return await fn(rt);
  } finally {
    await rt.close();
  }
}
