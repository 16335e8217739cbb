// kinesis-connectors: the public API.
export { Pipeline, type PipelineDeps, type PipelineStats } from './pipeline.js';
export { resolveConfig, DEFAULTS, type PipelineOptions, type ResolvedConfig, type EmitterConfig, type S3EmitterConfig,
  type FileEmitterConfig, type SourceConfig, type StartPosition } from './config.js';
export { createStream, type CreateStreamOptions } from './create-stream.js';
export { createKinesisClient } from './kinesis-client.js';
export { createS3Client } from './s3-client.js';
export type { CheckpointStore } from './checkpoint-store.js';
export { checkpointKey } from './checkpoint-store.js';
export { RedisCheckpointStore } from './redis-checkpoint-store.js';
export { FileCheckpointStore } from './file-checkpoint-store.js';
export type { Emitter, EmitterBatch } from './emitter.js';
export { batchKey } from './emitter.js';
export { S3Emitter } from './s3-emitter.js';
export { FileEmitter } from './file-emitter.js';
export { DiscardEmitter } from './discard-emitter.js';
export { S3ManifestEmitter, type S3ManifestEmitterOptions } from './s3-manifest-emitter.js';
export { KinesisEmitter, type KinesisEmitterOptions } from './kinesis-emitter.js';
export { PostgresEmitter, createTableSql, type PostgresEmitterOptions } from './postgres-emitter.js';
export { RedshiftBasicEmitter, createFileTableSql, type RedshiftBasicEmitterOptions, type RedshiftAuthorization, type RedshiftFormat } from './redshift-basic-emitter.js';
export { RedshiftManifestEmitter, type RedshiftManifestEmitterOptions } from './redshift-manifest-emitter.js';
export type { ShardSource, ShardReader, ShardInfo, ReadResult } from './shard-source.js';
export { KinesisShardSource } from './kinesis-shard-source.js';
export { FileShardSource } from './file-shard-source.js';
export { RecordBuffer, type BufferLimits, type FlushedBatch } from './record-buffer.js';
export type { Transformer, Filter, RecordMeta } from './transform-module.js';
export { type Logger, createConsoleLogger, silentLogger } from './logger.js';
export { ConnectorError, ConfigError, TransformModuleError, EmitError, CheckpointError, ThreadError, isRetriable } from './errors.js';
export { SHARD_END, compareSequence } from './sequence.js';
