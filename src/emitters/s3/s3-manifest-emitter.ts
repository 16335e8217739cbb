/**
 * S3ManifestEmitter: the first stage of the original's Redshift manifest pipeline. Each batch is
 * stored in S3 (as S3Emitter stores it), then the object's URL is put on a manifest stream, from
 * which a later stage loads whole sets of files into Redshift.
 */
import { PutRecordCommand, type KinesisClient } from '@aws-sdk/client-kinesis';
import { retry, retryOptions, type BackoffOptions } from '../../core/backoff.js';
import type { Emitter, EmitterBatch } from '../emitter.js';
import { STREAM_NAME_RULE, isStreamName } from '../../aws/stream-name.js';
import { ConfigError, EmitError, describeError, isRetriable, showValue as show } from '../../core/errors.js';
import { S3Emitter } from './s3-emitter.js';
import type { S3TargetOptions } from './s3-target-options.js';

export interface S3ManifestEmitterOptions {
  /** Where the batches go, as for S3Emitter; this emitter owns the client and destroys it on `close()`. */
  s3: S3TargetOptions;
  /** The client for the manifest stream; owned and destroyed on `close()` like the S3 client. */
  kinesis: KinesisClient;
  /** The stream that receives one record per stored object: its `s3://bucket/key` URL. */
  manifestStream: string;
  /** PutRecord calls, including the first, before the emit fails. @defaultValue 5 */
  attempts?: number;
  /** Backoff between attempts. @defaultValue { baseMs: 100, maxMs: 5000 } */
  backoff?: Partial<BackoffOptions>;
}

export const S3_MANIFEST_EMITTER_DEFAULTS = { attempts: 5, backoff: { baseMs: 100, maxMs: 5000 } satisfies BackoffOptions };

/**
 * Resolves only after the object is stored AND its URL is on the manifest stream, so a batch whose
 * URL never reached the stream is not acknowledged and will be emitted again. A re-emitted batch
 * overwrites its object (the key is deterministic) and puts the same URL on the stream once more:
 * the manifest stream is at least once, and its reader should load each URL once.
 * The manifest record's partition key is the batch's source shard id.
 */
export class S3ManifestEmitter implements Emitter {
  private readonly s3: S3Emitter;
  private readonly attempts: number;
  private readonly backoff: BackoffOptions;
  private readonly closing = new AbortController();
  private closed: Promise<void> | undefined;

  constructor(private readonly options: S3ManifestEmitterOptions) {
    if (!isStreamName(options.manifestStream)) {
      throw new ConfigError('manifestStream', `must be ${STREAM_NAME_RULE}, got ${show(options.manifestStream)}`);
    }
    ({ attempts: this.attempts, backoff: this.backoff } = retryOptions(options.attempts, options.backoff, S3_MANIFEST_EMITTER_DEFAULTS));
    this.s3 = new S3Emitter(options.s3);
  }

  async emit(batch: EmitterBatch): Promise<{ location: string }> {
    const { location } = await this.s3.emit(batch);
    const stream = this.options.manifestStream;
    try {
      await retry(() => this.options.kinesis.send(new PutRecordCommand({
        StreamName: stream,
        Data: Buffer.from(location, 'utf8'),
        PartitionKey: batch.shardId,
      })), { attempts: this.attempts, ...this.backoff, signal: this.closing.signal });
    } catch (err) {
      throw new EmitError(`Kinesis PutRecord of ${location} to manifest stream ${stream} failed: ${describeError(err)}`,
        { retriable: isRetriable(err), cause: err });
    }
    return { location };
  }

  /** Destroys both clients. Idempotent: every call returns the same promise. */
  close(): Promise<void> {
    this.closed ??= (async () => {
      this.closing.abort();
      try {
        await this.s3.close();
      } finally {
        this.options.kinesis.destroy();
      }
    })();
    return this.closed;
  }
}

/** A value as an option message shows it: strings quoted, numbers (NaN too) as they print. */
