/** Builds the emitter that `emitter.type` names. */
import type { ResolvedConfig } from './config.js';
import { DiscardEmitter } from './discard-emitter.js';
import type { Emitter } from './emitter.js';
import { FileEmitter } from './file-emitter.js';
import { createS3Client } from './s3-client.js';
import { S3Emitter } from './s3-emitter.js';

export function createEmitter(config: ResolvedConfig['emitter']): Emitter {
  switch (config.type) {
    case 's3':
      return new S3Emitter({
        client: createS3Client({ region: config.region, endpoint: config.endpoint, forcePathStyle: config.forcePathStyle }),
        bucket: config.bucket, prefix: config.prefix, gzip: config.gzip,
      });
    case 'file':
      return new FileEmitter({ dir: config.dir, prefix: config.prefix, gzip: config.gzip });
    case 'discard':
      return new DiscardEmitter();
  }
}
