/** An S3 client set up the way this project needs it. */
import { S3Client } from '@aws-sdk/client-s3';
import { NodeHttpHandler } from '@smithy/node-http-handler';

export interface S3ClientOptions {
  region: string;
  endpoint?: string;
  forcePathStyle?: boolean;
}

/**
 * Checksums are computed and validated only when an operation requires them (S3-compatible local
 * servers do not implement the newer default checksums). With a local endpoint and no credentials
 * configured, placeholder keys are used.
 */
export function createS3Client(options: S3ClientOptions): S3Client {
  const local = options.endpoint !== undefined && /^https?:\/\/(127\.|localhost|\[::1\])/.test(options.endpoint);
  const hasCredentials = Boolean(process.env.AWS_ACCESS_KEY_ID || process.env.AWS_PROFILE || process.env.AWS_WEB_IDENTITY_TOKEN_FILE);
  return new S3Client({
    region: options.region,
    endpoint: options.endpoint,
    forcePathStyle: options.forcePathStyle ?? false,
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    requestHandler: new NodeHttpHandler({ connectionTimeout: 5000, requestTimeout: 60_000 }),
    ...(local && !hasCredentials ? { credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } } : {}),
  });
}
