/**
 * What a shard actor writes to its dead-letter sink: the records of a window whose transform threw,
 * and KPL aggregates that could not be decoded. Each write resolves once stored, and is logged once
 * as a warning.
 */
import type { Logger } from '../core/logger.js';
import { partitionKeyOf, sequenceNumberOf, type TransformResult } from '../core/records.js';
import type { DeadLetterSink } from './dead-letter-sink.js';
import type { CorruptAggregate } from './record-intake.js';

/** What the writes need of the actor. */
export interface DeadLetterDeps {
  shardId: string;
  deadLetter: Pick<DeadLetterSink, 'write' | 'location'>;
  logger: Logger;
}

/** Stores the records of `result` whose transform threw; resolves with how many. */
export async function deadLetterFailures(deps: DeadLetterDeps, result: TransformResult): Promise<number> {
  const { shardId, deadLetter, logger } = deps;
  const failedAt = new Date().toISOString();
  await deadLetter.write(shardId, result.failures.map((f) => ({
    shardId, sequenceNumber: sequenceNumberOf(result, f.index), partitionKey: partitionKeyOf(result, f.index),
    dataBase64: f.dataBase64, error: f.error, failedAt,
  })));
  const first = result.failures[0];
  logger.warn({ shardId, count: result.failures.length, firstSequenceNumber: sequenceNumberOf(result, first.index),
    error: `${first.error.name}: ${first.error.message}`, deadLetter: deadLetter.location(shardId) },
  'transform threw; records written to the dead-letter sink');
  return result.failures.length;
}

/** Stores a corrupt KPL aggregate whole, with the error saying what is wrong with it. */
export async function deadLetterAggregate(deps: DeadLetterDeps, corrupt: CorruptAggregate): Promise<void> {
  const { shardId, deadLetter, logger } = deps;
  const { record, error } = corrupt;
  await deadLetter.write(shardId, [{
    shardId, sequenceNumber: record.sequenceNumber, partitionKey: record.partitionKey,
    dataBase64: Buffer.from(record.data.buffer, record.data.byteOffset, record.data.byteLength).toString('base64'),
    error: { name: error.name, message: error.message }, failedAt: new Date().toISOString(),
  }]);
  logger.warn({ shardId, sequenceNumber: record.sequenceNumber, error: `${error.name}: ${error.message}`, deadLetter: deadLetter.location(shardId) },
    'corrupt KPL aggregate; written to the dead-letter sink');
}
