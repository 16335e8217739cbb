/**
 * Embedded stand-ins for AWS used by the demo, the example and the tests: kinesalite for Kinesis and
 * s3rver for S3, each started in-process on 127.0.0.1. Both are optional peer dependencies, imported
 * only when started (see optional-peer.ts): a production install does not need them.
 */
import { createServer, type Server } from 'node:http';
import { LOOPBACK, closeServer, listenOnLoopback } from './listen.js';
import { answerCborRecordsAsBytes } from './kinesalite-cbor.js';
import { importOptionalPeer } from './optional-peer.js';

/** A running embedded Kinesis. */
export interface LocalKinesis {
  /** `http://127.0.0.1:<port>`. */
  endpoint: string;
  port: number;
  close(): Promise<void>;
}

/**
 * Starts an embedded Kinesis (kinesalite, in memory) on 127.0.0.1:`port`, a free port by default. Its
 * GetRecords answers in CBOR carry record data as byte strings, as Kinesis' do (see kinesalite-cbor.ts).
 */
export async function startLocalKinesis(options: { port?: number } = {}): Promise<LocalKinesis> {
  const { default: kinesalite } = await importOptionalPeer<typeof import('kinesalite')>('kinesalite');
  const server: Server = kinesalite({ createStreamMs: 0, deleteStreamMs: 0, updateStreamMs: 0, shardLimit: 1000 });
  answerCborRecordsAsBytes(server);
  const port = await listenOnLoopback(server, options.port ?? 0, 'the embedded Kinesis');
  return { endpoint: `http://${LOOPBACK}:${port}`, port, close: () => closeServer(server) };
}

/** A running embedded S3. */
export interface LocalS3 {
  /** `http://127.0.0.1:<port>`. */
  endpoint: string;
  port: number;
  /** The folder s3rver keeps objects in. */
  directory: string;
  close(): Promise<void>;
}

/**
 * Starts an embedded S3 (s3rver) on 127.0.0.1:`port` (a free port by default) that keeps its objects
 * under `directory` and has the given buckets (created if missing).
 */
export async function startLocalS3(directory: string, buckets: string[], options: { port?: number } = {}): Promise<LocalS3> {
  const { default: S3rver } = await importOptionalPeer<typeof import('s3rver')>('s3rver');
  const s3rver = new S3rver({ silent: true, directory, configureBuckets: buckets.map((name) => ({ name })) });
  await s3rver.configureBuckets();
  // s3rver's own run() leaves a failed listen (a port in use) as an unhandled error event: serve its
  // request handler from a server of ours instead.
  const server = createServer(s3rver.callback());
  const port = await listenOnLoopback(server, options.port ?? 0, 'the embedded S3');
  return { endpoint: `http://${LOOPBACK}:${port}`, port, directory, close: () => closeServer(server) };
}
