/** Validates a configuration and fills in its defaults. */
import { configErrorOf } from './config-error.js';
import { configSchema, type ResolvedConfig } from './schema.js';

export interface ResolveContext {
  /** Folder relative paths resolve from (the config file's folder). @defaultValue process.cwd() */
  baseDir?: string;
  /** Environment consulted for `AWS_REGION`, `REDIS_URL`, `DATABASE_URL` and `REDSHIFT_URL`. @defaultValue process.env */
  env?: Record<string, string | undefined>;
}

/** Validates `input` and fills in defaults. Throws a ConfigError naming the first bad option. */
export function resolveConfig(input: unknown, context: ResolveContext = {}): ResolvedConfig {
  const schema = configSchema({ baseDir: context.baseDir ?? process.cwd(), env: context.env ?? process.env });
  const result = schema.safeParse(input);
  if (!result.success) throw configErrorOf(result.error);
  return result.data;
}
