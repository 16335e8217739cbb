/**
 * S3ManifestEmitter: the first stage of the original's Redshift manifest pipeline. Each batch is
 * stored in S3 (as S3Emitter stores it), then the object's URL is put on a manifest stream, from
 * which a later stage loads whole sets of files into Redshift.
 */
import type { KinesisClient } from '@aws-sdk/client-kinesis';
import type { Batch } from '../../core/batch.js';
import type { EmitAttempt, Emitter } from '../emitter.js';
import { STREAM_NAME_RULE, isStreamName } from '../../aws/stream-name.js';
import { ConfigError, EmitError, describeError, isRetriable, showValue as show } from '../../core/errors.js';
import { S3Emitter } from './s3-emitter.js';
import type { S3TargetOptions } from './s3-target-options.js';
import { checkS3Target } from './check-s3-target.js';
import { checkStream } from '../kinesis/check-stream.js';
import { kinesisSdk } from '../../aws/sdk-modules.js';

const { PutRecordCommand } = kinesisSdk();

export interface S3ManifestEmitterOptions {
  /** Where the batches go, as for S3Emitter; this emitter owns the client and destroys it on `close()`. */
  s3: S3TargetOptions;
  /** The client for the manifest stream; owned and destroyed on `close()` like the S3 client. */
  kinesis: KinesisClient;
  /** The stream that receives one record per stored object: its `s3://bucket/key` URL. */
  manifestStream: string;
}

/**
 * Resolves only after the object is stored AND its URL is on the manifest stream, so a batch whose
 * URL never reached the stream is not acknowledged and will be emitted again. A re-emitted batch
 * overwrites its object (the key is deterministic) and puts the same URL on the stream once more:
 * the manifest stream is at least once, and its reader should load each URL once.
 * The manifest record's partition key is the batch's source shard id. An attempt that stored the
 * object but failed to put its URL leaves the next attempt only the PutRecord to do.
 */
export class S3ManifestEmitter implements Emitter {
  private readonly s3: S3Emitter;
  private closed: Promise<void> | undefined;

  constructor(private readonly options: S3ManifestEmitterOptions) {
    if (!isStreamName(options.manifestStream)) {
      throw new ConfigError('manifestStream', `must be ${STREAM_NAME_RULE}, got ${show(options.manifestStream)}`);
    }
    this.s3 = new S3Emitter(options.s3);
  }

  async emit(batch: Batch, attempt?: EmitAttempt): Promise<{ location: string }> {
    let location = attempt?.memo.get('stored') as string | undefined;
    if (location === undefined) {
      ({ location } = await this.s3.emit(batch));
      attempt?.memo.set('stored', location);
    }
    const stream = this.options.manifestStream;
    try {
      await this.options.kinesis.send(new PutRecordCommand({
        StreamName: stream,
        Data: Buffer.from(location, 'utf8'),
        PartitionKey: batch.shardId,
      }));
    } catch (err) {
      throw new EmitError(`Kinesis PutRecord of ${location} to manifest stream ${stream} failed: ${describeError(err)}`,
        { retriable: isRetriable(err), cause: err });
    }
    return { location };
  }

  /** The bucket is reachable and writable (as for `s3`), and the manifest stream exists and is ACTIVE. */
  async check(): Promise<void> {
    await checkS3Target('emitter s3-manifest', this.options.s3);
    await checkStream('emitter s3-manifest', 'emitter.manifestStream', this.options.kinesis, this.options.manifestStream);
  }

  /** Destroys both clients. Idempotent: every call returns the same promise. */
  close(): Promise<void> {
    this.closed ??= (async () => {
      try {
        await this.s3.close();
      } finally {
        this.options.kinesis.destroy();
      }
    })();
    return this.closed;
  }
}
