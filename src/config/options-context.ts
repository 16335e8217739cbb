/** What option schemas resolve against: the config file's folder and the environment. */
import { DEFAULTS } from './defaults.js';

export interface OptionsContext {
  /** Folder relative paths resolve from (the config file's folder). */
  baseDir: string;
  /** Environment consulted for fallbacks: AWS_REGION, REDIS_URL, DATABASE_URL, REDSHIFT_URL. */
  env: Record<string, string | undefined>;
}

/** The region of AWS clients whose options name none: `$AWS_REGION`, else the default. */
export function awsRegion(context: OptionsContext): string {
  return context.env.AWS_REGION ?? DEFAULTS.kinesis.region;
}
