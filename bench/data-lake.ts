// Question: what do exactly-once objects and Parquet cost end to end? The e2e pipeline run
// (embedded Kinesis -> sample transform -> embedded S3, checkpoints) four ways over the same
// stream, each repetition starting with the next variant in turn: NDJSON with `emitter.exactlyOnce` on (the default),
// NDJSON with it off, Parquet (exactly-once on), and NDJSON with a partitioned key template
// (`{field:device}` of the sample transform's records and `{arrival:yyyy-MM-dd}`: one object per
// device and day of each batch). Records/s and CPU µs per record of the pipeline process, and the
// ratios on/off, Parquet/NDJSON and partitioned/default keys.
import { createStream } from '../src/aws/create-stream.js';
import { createKinesisClient } from '../src/aws/kinesis-client.js';
import { median, prepareInput, recordOf, runChild } from './common.js';
import { putAll, startServers } from './emulator-process.js';

interface Run { records: number; seconds: number; rps: number; cpuSeconds: number; peakRssMB: number }

const VARIANTS = {
  exactlyOnce: ['--exactly-once', 'true', '--format', 'ndjson'],
  atLeastOnce: ['--exactly-once', 'false', '--format', 'ndjson'],
  parquet: ['--exactly-once', 'true', '--format', 'parquet'],
  partitioned: ['--exactly-once', 'true', '--format', 'ndjson', '--key', 'clicks/device={field:device}/dt={arrival:yyyy-MM-dd}/{shardId}-{firstSeq}-{lastSeq}'],
} as const;
type Variant = keyof typeof VARIANTS;

interface IdentityRun { records: number; rps: number; cpuUsPerRecord: number }

/**
 * The framework's own cost with exactly-once on and off: identity transform, 100-byte records from
 * replay files (4 shards), into the `file` emitter (each batch a file, fsynced), alternating which
 * runs first.
 */
async function identityPair(records: number, reps: number) {
  const input = await prepareInput('bytes100', records);
  const runs = { on: [] as IdentityRun[], off: [] as IdentityRun[] };
  for (let r = 0; r < reps; r++) {
    const order: Array<'on' | 'off'> = r % 2 === 0 ? ['on', 'off'] : ['off', 'on'];
    for (const v of order) {
      runs[v].push(await runChild<IdentityRun>('./pipeline-run.js', ['--records', String(records), '--transform', 'identity', '--input', input,
        '--shards', '4', '--emitter', 'file', '--exactly-once', String(v === 'on')]));
    }
  }
  const rps = (v: 'on' | 'off') => median(runs[v].map((x) => x.rps));
  const cpu = (v: 'on' | 'off') => median(runs[v].map((x) => x.cpuUsPerRecord));
  return {
    identityRecords: records,
    identityExactlyOnceRps: rps('on'), identityAtLeastOnceRps: rps('off'),
    identityExactlyOnceCpuUsPerRecord: cpu('on'), identityAtLeastOnceCpuUsPerRecord: cpu('off'),
    identityExactlyOnceRpsRatio: rps('on') / rps('off'), identityExactlyOnceCpuRatio: cpu('on') / cpu('off'),
  };
}

export async function dataLake(records: number, reps: number, extra: string[] = [], identityRecords = records) {
  const servers = await startServers();
  const { endpoints } = servers;
  const kinesis = createKinesisClient({ region: 'us-east-1', endpoint: endpoints.kinesis });
  try {
    const stream = `bench-lake-${Date.now()}`;
    await createStream(kinesis, stream, 4);
    await putAll(kinesis, stream, records, (i) => ({ Data: recordOf('click', i), PartitionKey: `user-${i}` }), 1);
    const common = ['--records', String(records), '--stream', stream, '--kinesis', endpoints.kinesis, '--s3', endpoints.s3, '--bucket', endpoints.bucket];
    const runs: Record<Variant, Run[]> = { exactlyOnce: [], atLeastOnce: [], parquet: [], partitioned: [] };
    const order = Object.keys(VARIANTS) as Variant[];
    for (let r = 0; r < reps; r++) {
      // Each repetition starts with the next variant, so no variant always runs first (or last).
      for (const v of [...order.slice(r % order.length), ...order.slice(0, r % order.length)]) {
        runs[v].push(await runChild<Run>('./e2e-pipeline-run.js', [...common, ...VARIANTS[v], '--prefix', `${v}-${r}/`, ...extra]));
      }
    }
    const rps = (v: Variant) => median(runs[v].map((x) => x.rps));
    const cpu = (v: Variant) => median(runs[v].map((x) => x.cpuSeconds * 1e6 / records));
    return {
      dataLake: {
        records,
        exactlyOnceRps: rps('exactlyOnce'), atLeastOnceRps: rps('atLeastOnce'), parquetRps: rps('parquet'), partitionedRps: rps('partitioned'),
        exactlyOnceCpuUsPerRecord: cpu('exactlyOnce'), atLeastOnceCpuUsPerRecord: cpu('atLeastOnce'), parquetCpuUsPerRecord: cpu('parquet'),
        partitionedCpuUsPerRecord: cpu('partitioned'),
        exactlyOnceRpsRatio: rps('exactlyOnce') / rps('atLeastOnce'),
        exactlyOnceCpuRatio: cpu('exactlyOnce') / cpu('atLeastOnce'),
        parquetRpsRatio: rps('parquet') / rps('exactlyOnce'),
        parquetCpuRatio: cpu('parquet') / cpu('exactlyOnce'),
        partitionedRpsRatio: rps('partitioned') / rps('exactlyOnce'),
        partitionedCpuRatio: cpu('partitioned') / cpu('exactlyOnce'),
        runs: { exactlyOnce: runs.exactlyOnce.map((x) => x.rps), atLeastOnce: runs.atLeastOnce.map((x) => x.rps), parquet: runs.parquet.map((x) => x.rps),
          partitioned: runs.partitioned.map((x) => x.rps) },
        ...await identityPair(identityRecords, reps),
      },
    };
  } finally {
    kinesis.destroy();
    await servers.stop();
  }
}
