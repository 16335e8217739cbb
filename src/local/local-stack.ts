/**
 * The three stand-ins together, as `kinesis-connectors local`, the example and a user's tests want
 * them: an embedded Kinesis, an embedded S3 with its buckets, and (optionally) the local Redshift
 * stand-in reading that S3, all on 127.0.0.1, closed together.
 */
import type { KinesisClient } from '@aws-sdk/client-kinesis';
import type { S3Client } from '@aws-sdk/client-s3';
import pg from 'pg';
import { createKinesisClient } from '../aws/kinesis-client.js';
import { createS3Client } from '../aws/s3-client.js';
import { startLocalKinesis, startLocalS3, type LocalKinesis, type LocalS3 } from './emulators.js';
import { DATABASE_URL, startLocalRedshift, type LocalRedshift } from './local-redshift.js';

/** The region the stand-ins are addressed with (they accept any). */
export const LOCAL_REGION = 'us-east-1';

export interface LocalStackOptions {
  /** Folder the embedded S3 keeps its objects in. */
  s3Directory: string;
  /** Buckets to create (if missing). @defaultValue none */
  buckets?: string[];
  /** Ports on 127.0.0.1; 0 or missing: a free port. */
  kinesisPort?: number;
  s3Port?: number;
  redshiftPort?: number;
  /**
   * The PostgreSQL behind the Redshift stand-in, or `false` for no Redshift stand-in.
   * @defaultValue DATABASE_URL
   */
  redshift?: { database?: string } | false;
}

/** Running stand-ins; `close()` stops them all (idempotent). */
export interface LocalStack {
  kinesis: LocalKinesis;
  /** A client of the embedded Kinesis. */
  kinesisClient: KinesisClient;
  s3: LocalS3;
  /** A client of the embedded S3 (the Redshift stand-in reads through it). */
  s3Client: S3Client;
  /** Absent when `redshift: false`. */
  redshift?: LocalRedshift;
  close(): Promise<void>;
}

/** Starts the stand-ins; if one fails to start, those already started are closed before the error is thrown. */
export async function startLocalStack(options: LocalStackOptions): Promise<LocalStack> {
  const closers: Array<() => Promise<void> | void> = [];
  let closing: Promise<void> | undefined;
  const close = () => {
    closing ??= (async () => {
      // Last started, first closed; every one is closed even if another fails.
      let failure: { error: unknown } | undefined;
      for (const c of [...closers].reverse()) {
        try {
          await c();
        } catch (error) {
          failure ??= { error };
        }
      }
      if (failure) throw failure.error;
    })();
    return closing;
  };
  try {
    const kinesis = await startLocalKinesis({ port: options.kinesisPort });
    closers.push(() => kinesis.close());
    const kinesisClient = createKinesisClient({ region: LOCAL_REGION, endpoint: kinesis.endpoint });
    closers.push(() => kinesisClient.destroy());
    const s3 = await startLocalS3(options.s3Directory, options.buckets ?? [], { port: options.s3Port });
    closers.push(() => s3.close());
    const s3Client = createS3Client({ region: LOCAL_REGION, endpoint: s3.endpoint, forcePathStyle: true });
    closers.push(() => s3Client.destroy());
    let redshift: LocalRedshift | undefined;
    if (options.redshift !== false) {
      const r = await startLocalRedshift({ s3Client, database: options.redshift?.database, port: options.redshiftPort });
      closers.push(() => r.close());
      redshift = r;
    }
    return { kinesis, kinesisClient, s3, s3Client, redshift, close };
  } catch (err) {
    await close().catch(() => undefined);
    throw err;
  }
}

/**
 * Whether the PostgreSQL at `database` answers a query within `timeoutMs`: undefined if it does,
 * else why not (without the URL's password).
 */
export async function checkPostgres(database: string = DATABASE_URL, timeoutMs = 3000): Promise<string | undefined> {
  const client = new pg.Client({ connectionString: database, connectionTimeoutMillis: timeoutMs, query_timeout: timeoutMs });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.query('SELECT 1');
    return undefined;
  } catch (err) {
    return describeConnectError(err);
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** A connection failure in one line; an AggregateError (every address of a name refused) by its parts. */
function describeConnectError(err: unknown): string {
  const e = err as { code?: unknown; message?: unknown; errors?: unknown };
  if (Array.isArray(e?.errors) && e.errors.length > 0) return [...new Set(e.errors.map(describeConnectError))].join('; ');
  const message = typeof e?.message === 'string' && e.message !== '' ? e.message : String(err);
  return typeof e?.code === 'string' && !message.includes(e.code) ? `${e.code}: ${message}` : message;
}
