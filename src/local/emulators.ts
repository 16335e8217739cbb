/**
 * Embedded stand-ins for AWS used by the demo (and the tests): kinesalite for Kinesis and s3rver for
 * S3, each started in-process on a free loopback port. They are development dependencies: a
 * production install does not need them.
 */
import type { Server } from 'node:http';
import { ConnectorError } from '../core/errors.js';

async function importEmulator<T>(name: string): Promise<T> {
  try {
    return (await import(name) as { default: T }).default;
  } catch (err) {
    throw new ConnectorError(`the embedded emulator "${name}" is not installed (it is a development dependency: run npm install in the project)`,
      { code: 'EMULATOR_MISSING', cause: err });
  }
}

export interface LocalKinesis {
  endpoint: string;
  close(): Promise<void>;
}

export async function startLocalKinesis(): Promise<LocalKinesis> {
  const kinesalite = await importEmulator<typeof import('kinesalite').default>('kinesalite');
  const server: Server = kinesalite({ createStreamMs: 0, deleteStreamMs: 0, updateStreamMs: 0, shardLimit: 1000 });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as { port: number };
  return {
    endpoint: `http://127.0.0.1:${port}`,
    close: () => new Promise((resolve) => {
      server.close(() => resolve());
      (server as Server & { closeAllConnections?: () => void }).closeAllConnections?.();
    }),
  };
}

export interface LocalS3 {
  endpoint: string;
  /** The folder s3rver keeps objects in. */
  directory: string;
  close(): Promise<void>;
}

export async function startLocalS3(directory: string, buckets: string[]): Promise<LocalS3> {
  const S3rver = await importEmulator<typeof import('s3rver').default>('s3rver');
  const server = new S3rver({ port: 0, address: '127.0.0.1', silent: true, directory, configureBuckets: buckets.map((name) => ({ name })) });
  const { port } = await server.run();
  return { endpoint: `http://127.0.0.1:${port}`, directory, close: () => server.close() };
}
