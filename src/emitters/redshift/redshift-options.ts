/**
 * The config-file options both Redshift emitters take (`redshift` and `redshift-manifest`): the
 * cluster's URL, the COPY column list, data format and authorization, and how they resolve.
 */
import { z } from 'zod';
import { show, nonEmptyStringMessage } from '../../config/messages.js';
import { EVEN_WITH_BAD_OPTIONS, judgedWhole } from '../../config/object-rules.js';
import type { OptionsContext } from '../../config/options-context.js';
import { isTableName, says, text } from '../../config/rules.js';
import { POSTGRES_PROTOCOLS, urlOrEnv } from '../../config/url-rules.js';
import { copyLiteralMessage, iamRoleMessage, isCopyLiteral, isIamRoleArn, isJsonPathsUrl, isRedshiftDelimiter } from './redshift-rules.js';

/**
 * The data format of the loaded files: `'json-auto'` (one JSON object per line, keys matched to
 * column names), `{ jsonPaths }` (the S3 URL of a jsonpaths file mapping JSON paths to the columns
 * in order) or `{ delimiter }` (one character between fields).
 */
export const redshiftFormat = z.union([
  z.literal('json-auto'),
  z.strictObject({ jsonPaths: z.string().refine(isJsonPathsUrl) }),
  z.strictObject({ delimiter: z.string().refine(isRedshiftDelimiter) }),
]);

export type RedshiftFormat = z.output<typeof redshiftFormat>;

const SECRET_MISSING = 'must be a non-empty string when emitter.accessKeyId is set (value not shown)';

/** The options both Redshift emitters take, in the order they are checked (see {@link authorizationRule}). */
export function redshiftShape(context: OptionsContext) {
  return {
    /** COPY authorization by an IAM role attached to the cluster (preferred)... */
    iamRole: text().refine(isIamRoleArn, says(iamRoleMessage)).optional(),
    /** ...or by an access key pair (never shown). */
    accessKeyId: text().refine(isCopyLiteral, says((value) => copyLiteralMessage(value, true))).optional(),
    secretAccessKey: z.string(says(() => SECRET_MISSING)).min(1, says(() => SECRET_MISSING))
      .refine(isCopyLiteral, says((value) => copyLiteralMessage(value, true))).optional(),
    /** See {@link RedshiftFormat}. @defaultValue 'json-auto' */
    format: judgedWhole(redshiftFormat,
      (value) => `must be "json-auto", {"jsonPaths": "s3://bucket/key"} or {"delimiter": "<one character>"}, got ${show(value)}`).default('json-auto'),
    /** The columns COPY fills, in the order of the data. @defaultValue every column of the table */
    columns: judgedWhole(z.array(z.string().refine(isTableName)).min(1),
      (value) => `must be a non-empty list of column names, got ${show(value)}`).optional(),
    /** `postgres://user:pass@cluster:5439/db`. @defaultValue $REDSHIFT_URL */
    url: urlOrEnv(POSTGRES_PROTOCOLS, context.env, 'REDSHIFT_URL', 'postgres://'),
  };
}

/** The options of {@link redshiftShape} in the order they are documented. */
export const REDSHIFT_OPTIONS = ['url', 'columns', 'format', 'iamRole', 'accessKeyId', 'secretAccessKey'];

/** How Redshift reads S3: an IAM role attached to the cluster, or an access key pair. */
export type RedshiftAuthorization = { iamRole: string } | { accessKeyId: string; secretAccessKey: string };

interface AuthorizationFields {
  iamRole?: unknown;
  accessKeyId?: unknown;
  secretAccessKey?: unknown;
}

/** The options checked after the authorization, whose problems it is reported before. */
const AFTER_AUTHORIZATION = ['format', 'columns', 'url', 'table', 'fileTable', 'dataTable'];

/**
 * The COPY authorization the fields give: a role, or an access key pair, never both. A problem is
 * reported before those of the options checked after the authorization; giving both kinds, before
 * the authorization fields' own problems too.
 */
function authorization(fields: AuthorizationFields, ctx: z.core.$RefinementCtx): RedshiftAuthorization | undefined {
  const { iamRole, accessKeyId, secretAccessKey } = fields;
  const fail = (key: keyof AuthorizationFields, message: string, outranks: string[] = []) => {
    ctx.addIssue({ code: 'custom', path: [key], message, input: fields[key], params: { outranks: [...outranks, ...AFTER_AUTHORIZATION] } });
    return undefined;
  };
  if (iamRole !== undefined) {
    if (accessKeyId === undefined && secretAccessKey === undefined) return { iamRole: iamRole as string };
    return fail('iamRole', 'and access keys are exclusive: give one or the other', ['iamRole', 'accessKeyId', 'secretAccessKey']);
  }
  if (accessKeyId === undefined && secretAccessKey === undefined) {
    return fail('iamRole', 'or emitter.accessKeyId and emitter.secretAccessKey must be set (the COPY authorization)');
  }
  if (accessKeyId === undefined) return fail('accessKeyId', nonEmptyStringMessage(accessKeyId), ['secretAccessKey']);
  if (secretAccessKey === undefined) return fail('secretAccessKey', SECRET_MISSING);
  return { accessKeyId: accessKeyId as string, secretAccessKey: secretAccessKey as string };
}

/** Checks that the authorization fields give one authorization, even when one of them is malformed. */
export const authorizationRule = z.superRefine<AuthorizationFields>((fields, ctx) => void authorization(fields, ctx), EVEN_WITH_BAD_OPTIONS);

/** Replaces the authorization fields (checked by {@link authorizationRule}) with the `auth` they give. */
export function resolveAuthorization<T extends AuthorizationFields>(options: T, ctx: z.core.$RefinementCtx) {
  const { iamRole, accessKeyId, secretAccessKey, ...rest } = options;
  return { ...rest, auth: authorization({ iamRole, accessKeyId, secretAccessKey }, ctx) ?? z.NEVER };
}
