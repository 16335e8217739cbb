/** Every default of the config file in one place. */
import { availableParallelism } from 'node:os';

export const DEFAULTS = {
  kinesis: { region: 'us-east-1', maxAttempts: 5, protocol: 'cbor' },
  startPosition: 'TRIM_HORIZON',
  checkpoint: { file: './checkpoints.json', intervalMs: 1000 },
  transform: { threads: availableParallelism(), windowRecords: 500, windowTargetMs: 50, windowsInFlight: 4, timeoutMs: 60_000, loadTimeoutMs: 30_000, rawFraming: 'lines' },
  buffer: { maxRecords: 500, maxBytes: 1024 * 1024, maxAgeMs: 1000, maxOpenPartitions: 500 },
  emitter: { type: 'file', dir: './output', prefix: '', gzip: false, threads: 1, exactlyOnce: true },
  deadLetter: { dir: './dead-letter' },
  reader: { maxRecordsPerCall: 10_000, maxBytesPerCall: 2 * 1024 * 1024, pollIntervalMs: 1000, maxBytesInFlight: 32 * 1024 * 1024, deaggregate: true },
  shards: { discoveryIntervalMs: 10_000 },
  lease: { durationMs: 10_000, maxStealsPerInterval: 1 },
  restart: { baseMs: 500, maxMs: 30_000, maxRestarts: 10, windowMs: 60_000, slowRetryMs: 60_000 },
  http: { host: '127.0.0.1', unreadyAfterMs: 60_000, checkpointStaleMs: 30_000 },
  shutdownTimeoutMs: 30_000,
  logLevel: 'info',
} as const;
