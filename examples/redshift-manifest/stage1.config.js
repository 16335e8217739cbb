// Stage 1: click events from the input stream -> S3 objects, each object's s3:// URL onto the
// manifest (output) stream. Run: kinesis-connectors run examples/redshift-manifest/stage1.config.js
import { settings as s } from './settings.js';

export default {
  app: s.pipeline.name,
  stream: s.kinesis.inputStream,
  kinesis: s.kinesis.endpoint ? { endpoint: s.kinesis.endpoint } : {},
  checkpoint: { ...s.checkpoint, intervalMs: 500 },
  transform: { module: './transform.js' },
  buffer: { maxRecords: s.kinesis.inputBufferSize, maxAgeMs: 1000 },
  emitter: {
    type: 's3-manifest', bucket: s.s3.bucket, prefix: s.s3.dataPrefix, manifestStream: s.kinesis.outputStream,
    ...(s.s3.endpoint ? { endpoint: s.s3.endpoint, forcePathStyle: true } : {}),
  },
  deadLetter: { dir: './dead-letter/stage1' },
};
