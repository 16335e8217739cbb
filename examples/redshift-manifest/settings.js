// The settings of the original program's config file (Pipeline, Redshift, Kinesis, S3 sections),
// with the endpoints taken from the environment so that the same files run against AWS or locally.
const env = process.env;
const local = (url) => (url ? { endpoint: url } : {});

export const settings = {
  pipeline: { name: env.PIPELINE_NAME ?? 'clicks-redshift' },
  redshift: {
    url: env.REDSHIFT_URL,
    dataTable: env.REDSHIFT_DATA_TABLE ?? 'clicks',
    fileTable: env.REDSHIFT_FILE_TABLE ?? 'clicks_files',
    iamRole: env.REDSHIFT_IAM_ROLE ?? 'arn:aws:iam::123456789012:role/redshift-copy',
  },
  kinesis: {
    inputStream: env.INPUT_STREAM ?? 'clicks',
    inputShardCount: Number(env.INPUT_SHARD_COUNT ?? 2),
    inputBufferSize: Number(env.INPUT_BUFFER_SIZE ?? 500),
    outputStream: env.OUTPUT_STREAM ?? 'clicks-manifest',
    outputShardCount: Number(env.OUTPUT_SHARD_COUNT ?? 1),
    outputBufferSize: Number(env.OUTPUT_BUFFER_SIZE ?? 10),
    ...local(env.KINESIS_ENDPOINT),
  },
  // Stage 1's data files and stage 2's manifests under prefixes of their own, so that a COPY of the
  // data by prefix never picks up a manifest (stage 2 writes them at <manifestPrefix>manifests/...).
  s3: { bucket: env.S3_BUCKET ?? 'clicks-archive', dataPrefix: 'clicks/', manifestPrefix: 'redshift/', ...local(env.S3_ENDPOINT) },
  checkpoint: env.REDIS_URL ? { redis: env.REDIS_URL } : { file: env.CHECKPOINT_FILE ?? './checkpoints.json' },
};
