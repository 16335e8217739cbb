/** The `kinesis` emitter's config-file options, and its partition-key rule (the constructor checks it too). */
import type { z } from 'zod';
import { emitterVariant } from '../../config/emitter-variant.js';
import { mustBeMessage } from '../../config/messages.js';
import { awsRegion, type OptionsContext } from '../../config/options-context.js';
import { oneOf, streamName, text } from '../../config/rules.js';
import { HTTP_PROTOCOLS, url } from '../../config/url-rules.js';

export const PARTITION_KEYS = ['sequence', 'source-shard'] as const;
export type PartitionKey = (typeof PARTITION_KEYS)[number];
const PARTITION_KEY_RULE = '"sequence" or "source-shard"';

export function isPartitionKey(value: unknown): value is PartitionKey {
  return (PARTITION_KEYS as readonly unknown[]).includes(value);
}

export function partitionKeyMessage(value: unknown): string {
  return mustBeMessage(PARTITION_KEY_RULE, value);
}

export function kinesisEmitterSchema(context: OptionsContext) {
  return emitterVariant('kinesis', {
    /** Each record's partition key: its source sequence number, or its source shard id. @defaultValue 'sequence' */
    partitionKey: oneOf(PARTITION_KEYS, PARTITION_KEY_RULE).default('sequence'),
    /** The target stream. */
    stream: streamName(),
    /** The target stream's region. @defaultValue $AWS_REGION, else 'us-east-1' */
    region: text().default(awsRegion(context)),
    /** A Kinesis-compatible endpoint, such as a local server. @defaultValue AWS */
    endpoint: url(HTTP_PROTOCOLS).optional(),
  }, ['stream', 'region', 'endpoint', 'partitionKey']);
}

export type KinesisEmitterConfig = z.input<ReturnType<typeof kinesisEmitterSchema>>;
export type ResolvedKinesisEmitterConfig = z.output<ReturnType<typeof kinesisEmitterSchema>>;
