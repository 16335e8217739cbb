// kinesis-connectors: the public API.
export { Pipeline, type PipelineDeps, type PipelineStats } from './supervisor/pipeline.js';
export { resolveConfig, DEFAULTS, type PipelineOptions, type ResolvedConfig, type EmitterConfig, type S3EmitterConfig,
  type FileEmitterConfig, type SourceConfig, type StartPosition } from './config/config.js';
export { createStream, type CreateStreamOptions } from './aws/create-stream.js';
export { createKinesisClient } from './aws/kinesis-client.js';
export { createS3Client } from './aws/s3-client.js';
export type { CheckpointStore } from './checkpoint/checkpoint-store.js';
export { checkpointKey } from './checkpoint/checkpoint-store.js';
export { RedisCheckpointStore } from './checkpoint/redis-checkpoint-store.js';
export { FileCheckpointStore } from './checkpoint/file-checkpoint-store.js';
export type { Emitter, EmitterBatch } from './emitters/emitter.js';
export { batchKey } from './emitters/emitter.js';
export { S3Emitter } from './emitters/s3/s3-emitter.js';
export { FileEmitter } from './emitters/file/file-emitter.js';
export { DiscardEmitter } from './emitters/discard/discard-emitter.js';
export { S3ManifestEmitter, type S3ManifestEmitterOptions } from './emitters/s3/s3-manifest-emitter.js';
export { KinesisEmitter, type KinesisEmitterOptions } from './emitters/kinesis/kinesis-emitter.js';
export { PostgresEmitter, createTableSql, type PostgresEmitterOptions } from './emitters/postgres/postgres-emitter.js';
export { RedshiftBasicEmitter, createFileTableSql, type RedshiftBasicEmitterOptions, type RedshiftAuthorization, type RedshiftFormat } from './emitters/redshift/redshift-basic-emitter.js';
export { RedshiftManifestEmitter, type RedshiftManifestEmitterOptions } from './emitters/redshift/redshift-manifest-emitter.js';
export type { ShardSource, ShardReader, ShardInfo, ReadResult } from './sources/shard-source.js';
export { KinesisShardSource } from './sources/kinesis-shard-source.js';
export { FileShardSource } from './sources/file-shard-source.js';
export { RecordBuffer, type BufferLimits, type FlushedBatch } from './actors/record-buffer.js';
export type { Transformer, Filter, RecordMeta } from './transform/transform-module.js';
export { type Logger, createConsoleLogger, silentLogger } from './core/logger.js';
export { ConnectorError, ConfigError, TransformModuleError, EmitError, CheckpointError, ThreadError, isRetriable } from './core/errors.js';
export { SHARD_END, compareSequence } from './core/sequence.js';
