// Puts synthetic click events on the example's input stream (INPUT_STREAM at KINESIS_ENDPOINT, as the
// stage configs read them), for running the stages as separate processes against
// `kinesis-connectors local`:
//   node dist/examples/redshift-manifest/produce.js [--records N] [--from I]
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { createKinesisClient } from '../../src/aws/kinesis-client.js';
import { putClicks } from '../../src/local/put-clicks.js';
import { EXAMPLE_DIR } from './run-local.js';

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { records: { type: 'string', default: '5000' }, from: { type: 'string', default: '0' } } });
  const records = Number(values.records);
  const from = Number(values.from);
  if (!Number.isInteger(records) || records < 1) throw new Error(`--records must be a positive integer, got ${JSON.stringify(values.records)}`);
  if (!Number.isInteger(from) || from < 0) throw new Error(`--from must be a non-negative integer, got ${JSON.stringify(values.from)}`);
  const { settings } = await import(join(EXAMPLE_DIR, 'settings.js')) as { settings: { kinesis: { inputStream: string; endpoint?: string } } };
  const client = createKinesisClient({ region: process.env.AWS_REGION ?? 'us-east-1', endpoint: settings.kinesis.endpoint });
  try {
    await putClicks(client, settings.kinesis.inputStream, records, { from });
  } finally {
    client.destroy();
  }
  process.stdout.write(`put click events ${from} to ${from + records - 1} on ${settings.kinesis.inputStream}\n`);
}

await main();
