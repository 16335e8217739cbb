/**
 * The AWS SDK's packages, loaded with `require()` instead of `import`.
 *
 * They ship as CommonJS. When an ES module imports a CommonJS module, Node 20 runs its CommonJS
 * lexer over the module's source to find its named exports, and does that again for every CommonJS
 * module that module requires, where `require()` only compiles and runs them. Each thread that talks to AWS
 * (the main thread, every shard host and emitter thread) loads the SDK once at start-up. Measured on
 * Node 20, CPU ms to load in a fresh process, imported / required: `@aws-sdk/client-s3` 288 / 145,
 * `@aws-sdk/client-kinesis` 203 / 105,
 * `@smithy/node-http-handler` 130 / 71 (see bench/README.md, "Start-up").
 *
 * Each getter loads its package on first use and keeps it. Types come from `import type`, which
 * loads nothing.
 */
import { createRequire } from 'node:module';
import type * as KinesisSdk from '@aws-sdk/client-kinesis';
import type * as S3Sdk from '@aws-sdk/client-s3';
import type * as NodeHttpHandlerModule from '@smithy/node-http-handler';

const require = createRequire(import.meta.url);

function required<T>(name: string): () => T {
  let loaded: T | undefined;
  return () => (loaded ??= require(name) as T);
}

export const kinesisSdk = required<typeof KinesisSdk>('@aws-sdk/client-kinesis');
export const s3Sdk = required<typeof S3Sdk>('@aws-sdk/client-s3');
export const nodeHttpHandler = required<typeof NodeHttpHandlerModule>('@smithy/node-http-handler');
