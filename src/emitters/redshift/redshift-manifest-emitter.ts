/**
 * RedshiftManifestEmitter: the second stage of a Redshift manifest pipeline. Its records are the S3
 * URLs (`s3://bucket/key`, one per line) of files a first stage stored and announced on a manifest
 * stream. Each batch is loaded with one COPY of a manifest listing the files not loaded before.
 */
import { sequenceNumberAt, type Batch } from '../../core/batch.js';
import type { Emitter } from '../emitter.js';
import { confinedKey } from '../../core/confined-path.js';
import { checkShardId } from '../../core/shard-id.js';
import { ConfigError, EmitError, describeError, isRetriable } from '../../core/errors.js';
import { REDSHIFT_DEFAULTS, copyStatement } from './redshift-basic-emitter.js';
import { RedshiftSql } from './redshift-sql.js';
import type { S3TargetOptions } from '../s3/s3-target-options.js';
import { flagMessage } from '../../config/messages.js';
import { quoteIdent } from '../sql.js';
import { checkName, checkRedshiftOptions } from './check-redshift-options.js';
import type { RedshiftAuthorization, RedshiftFormat } from './redshift-options.js';
import { checkS3Target } from '../s3/check-s3-target.js';
import { s3Sdk } from '../../aws/sdk-modules.js';

const { PutObjectCommand } = s3Sdk();

export { createFileTableSql } from './redshift-basic-emitter.js';

export interface RedshiftManifestEmitterOptions {
  /**
   * `bucket` and `prefix` say where the manifest files are written (`<prefix>manifests/<shardId>/
   * <firstSeq>-<lastSeq>.manifest`); `gzip` says whether the listed files are gzip-compressed. The
   * emitter owns the client and destroys it on close.
   */
  s3: S3TargetOptions;
  /** PostgreSQL-protocol connection string of the cluster. */
  connectionString: string;
  /** The table the files' rows are loaded into; `schema.table` is allowed. */
  dataTable: string;
  /**
   * The table recording every file loaded: one column `file` (varchar, primary key) holding its S3
   * URL; {@link createFileTableSql} returns its DDL. It is locked, checked, extended and the COPY run
   * in one transaction, so a file is loaded once even when a batch is re-emitted.
   */
  fileTable: string;
  /** The columns COPY fills, in the order of the data. @defaultValue every column of the data table */
  columns?: string[];
  authorization: RedshiftAuthorization;
  /** @defaultValue 'json-auto' */
  format?: RedshiftFormat;
  /** The AWS region of the buckets, when it differs from the cluster's. @defaultValue the cluster's */
  region?: string;
  /**
   * Whether each manifest entry is `mandatory` (the original's `CopyMandatory`): a missing listed
   * file then fails the COPY; when false, Redshift skips it and loads the rest. @defaultValue true
   */
  copyMandatory?: boolean;
}

/** Bind parameters per statement when checking or recording files (Redshift has no arrays). */
const PARAMS_PER_STATEMENT = 500;
/** Longest piece of a malformed record quoted in an error message. */
const SHOWN_RECORD_CHARS = 200;

// No control characters (U+0000 to U+001F) in the key.
// eslint-disable-next-line no-control-regex
const S3_URL = /^s3:\/\/[^/\s]+\/[^\u0000-\u001f]+$/;

/**
 * `<prefix>manifests/<shardId>/<firstSeq>-<lastSeq>.manifest`: deterministic per batch. Checked as
 * `batchKey` checks its key: a bad shard id or a part that is not one key segment throws.
 */
export function manifestKey(prefix: string, batch: Pick<Batch, 'shardId' | 'firstSeq' | 'lastSeq'>): string {
  const shardId = checkShardId(batch.shardId, 'a batch', 'no manifest is written');
  return confinedKey(prefix, 'manifests', shardId, `${batch.firstSeq}-${batch.lastSeq}.manifest`);
}

/**
 * In one transaction per batch: locks the file table, drops the batch's URLs it already holds,
 * records the rest, writes a manifest listing them (each `mandatory` unless `copyMandatory` is false) and runs one `COPY <dataTable>
 * FROM '<manifest URL>' <authorization> MANIFEST <format> [GZIP] [REGION]`. A batch whose files are
 * all loaded already runs no COPY and writes no manifest. A record that is not an S3 URL fails the
 * batch with a non-retriable EmitError naming it.
 */
export class RedshiftManifestEmitter implements Emitter {
  private readonly sql: RedshiftSql;

  constructor(private readonly options: RedshiftManifestEmitterOptions) {
    checkRedshiftOptions(options);
    checkName('dataTable', options.dataTable);
    if (options.fileTable === undefined) throw new ConfigError('fileTable', 'is required: it records the files already loaded');
    checkName('fileTable', options.fileTable);
    if (options.copyMandatory !== undefined && typeof options.copyMandatory !== 'boolean') {
      throw new ConfigError('copyMandatory', flagMessage(options.copyMandatory));
    }
    this.sql = new RedshiftSql(options.connectionString, options.authorization);
  }

  async emit(batch: Batch): Promise<{ location: string }> {
    const o = this.options;
    const urls = batchUrls(batch);
    if (urls.length === 0) return { location: `redshift table ${o.dataTable}: empty batch` };
    const key = manifestKey(o.s3.prefix ?? REDSHIFT_DEFAULTS.prefix, batch);
    const manifestUrl = `s3://${o.s3.bucket}/${key}`;
    const copy = copyStatement({
      table: o.dataTable, columns: o.columns, from: manifestUrl, authorization: o.authorization, manifest: true,
      format: o.format ?? REDSHIFT_DEFAULTS.format, gzip: o.s3.gzip ?? REDSHIFT_DEFAULTS.gzip, region: o.region,
    });
    const files = quoteIdent(o.fileTable);
    const file = quoteIdent('file');
    const what = `Redshift manifest load into table ${quoteIdent(o.dataTable)} from ${manifestUrl}`;

    const loaded = await this.sql.transaction(what, async (query) => {
      await query(`locking file table ${files}`, `LOCK TABLE ${files}`);
      const known = new Set<string>();
      for (const part of chunks(urls, PARAMS_PER_STATEMENT)) {
        const res = await query(`checking file table ${files}`,
          `SELECT ${file} FROM ${files} WHERE ${file} IN (${placeholders(part.length)})`, part);
        for (const row of res.rows as Array<{ file: string }>) known.add(row.file);
      }
      const fresh = urls.filter((u) => !known.has(u));
      if (fresh.length === 0) return false;
      for (const part of chunks(fresh, PARAMS_PER_STATEMENT)) {
        await query(`recording files in ${files}`,
          `INSERT INTO ${files} (${file}) VALUES ${part.map((_, i) => `($${i + 1})`).join(', ')}`, part);
      }
      await this.putManifest(key, fresh, what);
      await query(`running ${copy.redacted}`, copy.sql);
      return true;
    });
    return { location: loaded ? manifestUrl : `redshift table ${o.dataTable}: all ${urls.length} files already loaded` };
  }

  private async putManifest(key: string, urls: string[], what: string): Promise<void> {
    const mandatory = this.options.copyMandatory ?? true;
    const body = Buffer.from(JSON.stringify({ entries: urls.map((url) => ({ url, mandatory })) }), 'utf8');
    try {
      await this.options.s3.client.send(new PutObjectCommand({
        Bucket: this.options.s3.bucket, Key: key, Body: body, ContentLength: body.byteLength, ContentType: 'application/json',
      }));
    } catch (err) {
      throw new EmitError(`${what} failed writing the manifest: S3 PutObject: ${describeError(err)}`, { retriable: isRetriable(err), cause: err });
    }
  }

  /** Ends the connection pool and destroys the S3 client. */
  /**
   * The manifest bucket is reachable and writable (as for `s3`), the connection works, the data
   * table (with `columns`, when set) and the file table exist.
   */
  async check(): Promise<void> {
    const o = this.options;
    await checkS3Target('emitter redshift-manifest', { ...o.s3, prefix: o.s3.prefix ?? REDSHIFT_DEFAULTS.prefix });
    await this.sql.check('emitter redshift-manifest', [
      { setting: 'emitter.dataTable', table: o.dataTable, columns: o.columns ? [{ setting: 'emitter.columns', names: o.columns }] : [] },
      { setting: 'emitter.fileTable', table: o.fileTable, columns: [{ setting: 'the file column', names: ['file'] }] },
    ]);
  }

  async close(): Promise<void> {
    try {
      await this.sql.close();
    } finally {
      this.options.s3.client.destroy();
    }
  }
}

/** The batch's records as S3 URLs, without repeats, in order; a record that is not one is an error. */
function batchUrls(batch: Batch): string[] {
  const decoder = new TextDecoder('utf-8', { fatal: false });
  const urls = new Set<string>();
  for (let i = 0; i < batch.count; i++) {
    let line = decoder.decode(batch.data.subarray(batch.offsets[i], batch.offsets[i + 1]));
    if (line.endsWith('\n')) line = line.slice(0, -1);
    if (line.endsWith('\r')) line = line.slice(0, -1);
    line = line.trim();
    if (!S3_URL.test(line)) {
      const shown = line.length > SHOWN_RECORD_CHARS ? `${line.slice(0, SHOWN_RECORD_CHARS)}…` : line;
      throw new EmitError(`manifest record ${i} (sequence number ${sequenceNumberAt(batch, i)}) of ${batch.shardId} `
        + `is not an S3 URL (s3://bucket/key): ${JSON.stringify(shown)}`, { retriable: false, code: 'MANIFEST_RECORD_INVALID' });
    }
    urls.add(line);
  }
  return [...urls];
}

function placeholders(n: number): string {
  return Array.from({ length: n }, (_, i) => `$${i + 1}`).join(', ');
}

function chunks<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
