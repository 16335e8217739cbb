/** Builds the emitter that `emitter.type` names, loading only the modules that emitter needs. */
import type { ResolvedConfig } from '../config/config.js';
import type { Emitter } from './emitter.js';
import type { ResolvedS3EmitterConfig } from './s3/s3-options.js';
import type { S3TargetOptions } from './s3/s3-target-options.js';

type ResolvedS3Target = Omit<ResolvedS3EmitterConfig, 'type' | 'threads' | 'format' | 'parquet' | 'exactlyOnce' | 'key' | 'keyFieldDefault'>;

async function s3Options(c: ResolvedS3Target): Promise<S3TargetOptions> {
  const { createS3Client } = await import('../aws/s3-client.js');
  return {
    client: createS3Client({ region: c.region, endpoint: c.endpoint, forcePathStyle: c.forcePathStyle }),
    bucket: c.bucket, prefix: c.prefix, gzip: c.gzip,
  };
}

export async function createEmitter(config: ResolvedConfig): Promise<Emitter> {
  const e = config.emitter;
  switch (e.type) {
    case 's3': {
      const { S3Emitter } = await import('./s3/s3-emitter.js');
      return new S3Emitter({ ...await s3Options(e), format: e.format, parquet: e.parquet, key: e.key, keyFieldDefault: e.keyFieldDefault });
    }
    case 's3-manifest': {
      const { S3ManifestEmitter } = await import('./s3/s3-manifest-emitter.js');
      const { createKinesisClient } = await import('../aws/kinesis-client.js');
      return new S3ManifestEmitter({ s3: await s3Options(e), kinesis: createKinesisClient(config.kinesis), manifestStream: e.manifestStream });
    }
    case 'kinesis': {
      const { KinesisEmitter } = await import('./kinesis/kinesis-emitter.js');
      const { createKinesisClient } = await import('../aws/kinesis-client.js');
      return new KinesisEmitter({
        client: createKinesisClient({ region: e.region, endpoint: e.endpoint, maxAttempts: config.kinesis.maxAttempts }),
        stream: e.stream, partitionKey: e.partitionKey,
      });
    }
    case 'postgres': {
      const { PostgresEmitter } = await import('./postgres/postgres-emitter.js');
      return new PostgresEmitter({ connectionString: e.url, table: e.table, columns: e.columns });
    }
    case 'redshift': {
      const { RedshiftBasicEmitter } = await import('./redshift/redshift-basic-emitter.js');
      return new RedshiftBasicEmitter({
        s3: await s3Options(e), connectionString: e.url, table: e.table, columns: e.columns, authorization: e.auth,
        format: e.format, fileTable: e.fileTable,
      });
    }
    case 'redshift-manifest': {
      const { RedshiftManifestEmitter } = await import('./redshift/redshift-manifest-emitter.js');
      return new RedshiftManifestEmitter({
        s3: await s3Options(e), connectionString: e.url, dataTable: e.dataTable, fileTable: e.fileTable, columns: e.columns,
        authorization: e.auth, format: e.format, copyMandatory: e.copyMandatory,
      });
    }
    case 'file': {
      const { FileEmitter } = await import('./file/file-emitter.js');
      return new FileEmitter({ dir: e.dir, prefix: e.prefix, gzip: e.gzip, format: e.format, parquet: e.parquet, key: e.key, keyFieldDefault: e.keyFieldDefault });
    }
    case 'discard': {
      const { DiscardEmitter } = await import('./discard/discard-emitter.js');
      return new DiscardEmitter();
    }
  }
}
