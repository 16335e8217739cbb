// Stage 2: S3 URLs from the manifest stream -> one manifest file per batch -> one COPY ... MANIFEST
// into Redshift, with the file table making sure no file is loaded twice.
// Run: kinesis-connectors run examples/redshift-manifest/stage2.config.js
import { settings as s } from './settings.js';

export default {
  app: s.pipeline.name,
  stream: s.kinesis.outputStream,
  kinesis: s.kinesis.endpoint ? { endpoint: s.kinesis.endpoint } : {},
  // A stable worker id: restarted after a crash, this worker takes its own leases back at once
  // instead of waiting for them to expire. Each worker sharing the stream needs its own id.
  worker: { id: process.env.WORKER_ID ?? 'stage2' },
  checkpoint: { ...s.checkpoint, intervalMs: Number(process.env.STAGE2_CHECKPOINT_INTERVAL_MS ?? 500) },
  buffer: { maxRecords: s.kinesis.outputBufferSize, maxAgeMs: 1000 },
  emitter: {
    type: 'redshift-manifest', bucket: s.s3.bucket, prefix: s.s3.manifestPrefix, url: s.redshift.url,
    dataTable: s.redshift.dataTable, fileTable: s.redshift.fileTable, iamRole: s.redshift.iamRole, format: 'json-auto',
    ...(s.s3.endpoint ? { endpoint: s.s3.endpoint, forcePathStyle: true } : {}),
  },
  deadLetter: { dir: './dead-letter/stage2' },
};
