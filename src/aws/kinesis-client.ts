/** A Kinesis client set up the way this project needs it. */
import { KinesisClient } from '@aws-sdk/client-kinesis';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { localCredentials } from './local-credentials.js';

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
  return new KinesisClient({
    region: options.region,
    endpoint: options.endpoint,
    maxAttempts: options.maxAttempts ?? 5,
    requestHandler: new NodeHttpHandler({ connectionTimeout: 5000, requestTimeout: 30_000 }),
    credentials: localCredentials(options.endpoint, 'local'),
  });
}
