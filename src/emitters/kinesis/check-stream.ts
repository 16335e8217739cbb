/** The start-up check of a stream an emitter puts records on: it exists and takes writes. */
import type { KinesisClient } from '@aws-sdk/client-kinesis';
import { SinkCheckError } from '../../core/errors.js';
import { kinesisSdk } from '../../aws/sdk-modules.js';

const { DescribeStreamSummaryCommand } = kinesisSdk();

/** Stream states in which PutRecord(s) succeeds (UPDATING: resharding or a retention change). */
const WRITABLE = new Set(['ACTIVE', 'UPDATING']);

/**
 * DescribeStreamSummary of `stream`; rejects with a SinkCheckError naming `sink`, `setting` (such as
 * `emitter.stream`) and the error, or the stream's status when it is not ACTIVE (or UPDATING).
 */
export async function checkStream(sink: string, setting: string, client: KinesisClient, stream: string): Promise<void> {
  const named = `${setting} ${JSON.stringify(stream)}`;
  let status: string | undefined;
  try {
    const summary = await client.send(new DescribeStreamSummaryCommand({ StreamName: stream }));
    status = summary.StreamDescriptionSummary?.StreamStatus;
  } catch (err) {
    throw new SinkCheckError(sink, named, 'DescribeStreamSummary', err);
  }
  if (status === undefined || !WRITABLE.has(status)) {
    const err = Object.assign(new Error(`the stream is ${status ?? 'of unknown status'}, not ACTIVE`), { name: 'StreamNotActive' });
    throw new SinkCheckError(sink, named, 'DescribeStreamSummary', err);
  }
}
