/** A Kinesis client set up the way this project needs it. */
import { KinesisClient } from '@aws-sdk/client-kinesis';
import { NodeHttpHandler } from '@smithy/node-http-handler';

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
  const local = options.endpoint !== undefined && /^https?:\/\/(127\.|localhost|\[::1\])/.test(options.endpoint);
  const hasCredentials = Boolean(process.env.AWS_ACCESS_KEY_ID || process.env.AWS_PROFILE || process.env.AWS_WEB_IDENTITY_TOKEN_FILE);
  return new KinesisClient({
    region: options.region,
    endpoint: options.endpoint,
    maxAttempts: options.maxAttempts ?? 5,
    requestHandler: new NodeHttpHandler({ connectionTimeout: 5000, requestTimeout: 30_000 }),
    ...(local && !hasCredentials ? { credentials: { accessKeyId: 'local', secretAccessKey: 'local' } } : {}),
  });
}
