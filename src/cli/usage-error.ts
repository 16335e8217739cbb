/** Command lines the CLI cannot run. main.ts reports them with the usage text and exit code 2. */

/** A command line that is wrong: an option's value, a missing argument. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** Whether `err` is `util.parseArgs` refusing a command line (an unknown option, a missing value…). */
export function isParseArgsError(err: unknown): err is Error {
  const code = (err as { code?: unknown })?.code;
  return err instanceof Error && typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS_');
}
