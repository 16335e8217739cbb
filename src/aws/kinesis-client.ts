/** A Kinesis client set up the way this project needs it. */
import { localCredentials } from './local-credentials.js';
import type { KinesisClient } from '@aws-sdk/client-kinesis';
import { kinesisSdk, nodeHttpHandler } from './sdk-modules.js';

const { NodeHttpHandler } = nodeHttpHandler();

export interface KinesisClientOptions {
  region: string;
  endpoint?: string;
  maxAttempts?: number;
}

/**
 * Uses the HTTP/1.1 `NodeHttpHandler` (the SDK's HTTP/2 default does not work against local
 * emulators). Credentials come from the SDK's default chain; with a local endpoint and no
 * credentials configured, placeholder keys are used (emulators accept any).
 */
export function createKinesisClient(options: KinesisClientOptions): KinesisClient {
  return new (kinesisSdk().KinesisClient)({
    region: options.region,
    endpoint: options.endpoint,
    maxAttempts: options.maxAttempts ?? 5,
    requestHandler: new NodeHttpHandler({ connectionTimeout: 5000, requestTimeout: 30_000 }),
    credentials: localCredentials(options.endpoint, 'local'),
  });
}
