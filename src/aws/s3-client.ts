/** An S3 client set up the way this project needs it. */
import { localCredentials } from './local-credentials.js';
import type { S3Client } from '@aws-sdk/client-s3';
import { nodeHttpHandler, s3Sdk } from './sdk-modules.js';

const { NodeHttpHandler } = nodeHttpHandler();

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
  return new (s3Sdk().S3Client)({
    region: options.region,
    endpoint: options.endpoint,
    forcePathStyle: options.forcePathStyle ?? false,
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    requestHandler: new NodeHttpHandler({ connectionTimeout: 5000, requestTimeout: 60_000 }),
    credentials: localCredentials(options.endpoint, 'S3RVER'),
  });
}
