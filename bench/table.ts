// The table `run.ts` prints: one row per figure present in the result (sections left out by `--only`
// print nothing).

type Row = [figure: string, digits: number, what: string];

function rows(memoryRecords: number): Row[] {
  const fmt = (n: number) => n.toLocaleString('en-US');
  return [
    ['cpu.singleThreadRps', 0, 'sample transform, plain loop, one thread'],
    ['cpu.limitRps', 0, 'same transform, every core in raw worker threads, no I/O'],
    ['cpu.pipelineRps', 0, 'full actor pipeline, 4 shards, discarding emitter'],
    ['cpu.efficiency', 3, 'pipelineRps / limitRps (target >= 0.9)'],
    ['cpu.singleThreadCpuUsPerRecord', 1, 'CPU µs per record of the sample transform in the plain loop'],
    ['cpu.pipelineCpuUsPerRecord', 1, 'CPU µs per record of the whole pipeline (all threads, from start() to the end)'],
    ['cpu.transformShareOfCpu', 3, 'the two above: the share of the pipeline\'s CPU that is the transform\'s own work'],
    ['overhead.identityRps', 0, 'identity transform, 100-byte records (target >= 1,000,000)'],
    ['overhead.identityMBps', 1, 'output MB/s of the same runs'],
    ['overhead.identityCpuUsPerRecord', 2, 'CPU µs per record of the same runs (all threads): the framework\'s own cost'],
    ['overhead.identityWithHttpRps', 0, 'the same with the HTTP endpoints on, /metrics and /status.json scraped every second'],
    ['overhead.httpRatio', 3, 'with endpoints / without (same run, alternated)'],
    ['memory.peakRssMB', 1, 'peak RSS of any replay-file pipeline run (all threads)'],
    ['memory.growth10x', 2, `peak RSS at ${fmt(memoryRecords * 10)} / at ${fmt(memoryRecords)} records`],
    ['memory.e2ePeakRssMB', 1, 'peak RSS of the e2e pipeline process (4 shards, Kinesis -> S3)'],
    ['e2e.pipelineRps', 0, 'embedded Kinesis -> transform -> embedded S3, checkpoints; from process start'],
    ['e2e.concurrentRps', 0, 'the same by a one-thread SDK loop over all shards at once (Promise.all)'],
    ['e2e.sequentialRps', 0, 'the same loop, one shard after another'],
    ['e2e.speedup', 2, 'pipeline / concurrent loop (target >= 1.5)'],
    ['e2e.speedupVsSequential', 2, 'pipeline / sequential loop'],
    ['e2e.pipelineCpuUsPerRecord', 1, 'CPU µs per record, pipeline process (all threads, from spawn)'],
    ['e2e.concurrentCpuUsPerRecord', 1, 'CPU µs per record, concurrent loop process'],
    ['e2e.sequentialCpuUsPerRecord', 1, 'CPU µs per record, sequential loop process'],
    ['e2e.emulatorCpuUsPerRecord', 1, 'emulators\' CPU µs per record during the pipeline runs'],
    ['e2e.concurrentEmulatorCpuUsPerRecord', 1, 'the same during the concurrent loop runs'],
    ['e2e.cpuBoundSpeedup', 2, 'best any parallel version of the concurrent loop could do here (emulators share the cores)'],
    ['e2e.pipelineCpuUtilization', 2, 'CPU of pipeline + emulators / (wall x cores) during the pipeline run'],
    ['dataLake.exactlyOnceRps', 0, 'the e2e pipeline, NDJSON, emitter.exactlyOnce on (the default)'],
    ['dataLake.atLeastOnceRps', 0, 'the same with emitter.exactlyOnce off'],
    ['dataLake.parquetRps', 0, 'the same with format "parquet" (exactly-once on)'],
    ['dataLake.identityExactlyOnceRps', 0, 'identity, 100-byte records from replay files into the file emitter, exactly-once on'],
    ['dataLake.identityAtLeastOnceRps', 0, 'the same, exactly-once off'],
    ['dataLake.identityExactlyOnceCpuUsPerRecord', 2, 'CPU µs per record of the same, exactly-once on'],
    ['dataLake.identityAtLeastOnceCpuUsPerRecord', 2, 'CPU µs per record of the same, exactly-once off'],
    ['dataLake.identityExactlyOnceRpsRatio', 2, 'identity records/s, exactly-once on / off (target >= 0.9)'],
    ['dataLake.identityExactlyOnceCpuRatio', 2, 'identity CPU per record, exactly-once on / off'],
    ['dataLake.exactlyOnceCpuUsPerRecord', 1, 'CPU µs per record, exactly-once on'],
    ['dataLake.atLeastOnceCpuUsPerRecord', 1, 'CPU µs per record, exactly-once off'],
    ['dataLake.parquetCpuUsPerRecord', 1, 'CPU µs per record, Parquet'],
    ['dataLake.exactlyOnceRpsRatio', 2, 'records/s, exactly-once on / off (target >= 0.9)'],
    ['dataLake.exactlyOnceCpuRatio', 2, 'CPU per record, exactly-once on / off'],
    ['dataLake.parquetRpsRatio', 2, 'records/s, Parquet / NDJSON'],
    ['dataLake.parquetCpuRatio', 2, 'CPU per record, Parquet / NDJSON'],
    ['dataLake.partitionedRps', 0, 'the same, NDJSON, emitter.key {field:device} + {arrival:yyyy-MM-dd} (one object per partition)'],
    ['dataLake.partitionedCpuUsPerRecord', 1, 'CPU µs per record, partitioned keys'],
    ['dataLake.partitionedRpsRatio', 2, 'records/s, partitioned keys / default keys'],
    ['dataLake.partitionedCpuRatio', 2, 'CPU per record, partitioned keys / default keys'],
    ['manyShards.startSeconds', 1, 'process start -> every shard of the many-shard stream read once'],
    ['manyShards.idleCpuPercent', 1, 'pipeline process CPU, % of one core, every shard idle, default settings (target < 5)'],
    ['manyShards.emulatorIdleCpuPercent', 1, 'the emulator\'s CPU over the same window, answering the idle polls'],
    ['manyShards.idleGetRecordsPerSecond', 0, 'GetRecords calls the emulator answered per second in that window (nominal: 1 a shard)'],
    ['manyShards.idleCpuUsPerPoll', 0, 'pipeline CPU µs per idle GetRecords answered (idleCpuPercent / that rate)'],
    ['manyShards.sdkIdleCpuPercent', 1, 'a plain one-thread SDK loop polling the same shards the same way: its CPU, % of one core'],
    ['manyShards.sdkIdleGetRecordsPerSecond', 0, 'its GetRecords answered per second'],
    ['manyShards.sdkIdleCpuUsPerPoll', 0, 'its CPU µs per idle GetRecords'],
    ['manyShards.defaultMaxIdlePollMs', 0, 'the longest idle wait of the default (reader.maxIdlePollIntervalMs unset) for this many shards'],
    ['manyShards.secondIdleCpuPercent', 1, 'pipeline CPU, % of one core, idle, with reader.maxIdlePollIntervalMs = manyShards.secondIdleMaxIdlePollMs (1000: no backoff)'],
    ['manyShards.secondIdleGetRecordsPerSecond', 0, 'its GetRecords answered per second'],
    ['manyShards.secondIdleCpuUsPerPoll', 0, 'its CPU µs per idle GetRecords'],
    ['manyShards.rssMB', 1, 'RSS at the end of the idle window'],
    ['manyShards.peakRssMB', 1, 'peak RSS of the many-shard runs (idle and hot)'],
    ['manyShards.hotRps', 0, 'records/s with every record in 4 hot shards of the many-shard stream (source: manyShards.hotSource)'],
    ['manyShards.fourShardRps', 0, 'the same records through a 4-shard stream'],
    ['manyShards.hotRpsRatio', 3, 'hotRps / fourShardRps'],
  ];
}

function valueAt(result: Record<string, unknown>, path: string): unknown {
  return path.split('.').reduce<unknown>((o, k) => (o as Record<string, unknown> | undefined)?.[k], result);
}

export function printTable(result: Record<string, unknown>, options: { memoryRecords: number }): void {
  const fmt = (n: number, d: number) => n.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d });
  const machine = result.machine as { cpu: string; node: string };
  const table: Array<[string, string, string]> = [['cores', String(result.cores), `${machine.cpu}, Node ${machine.node}`]];
  for (const [figure, digits, what] of rows(options.memoryRecords)) {
    const v = valueAt(result, figure);
    if (typeof v === 'number') table.push([figure, fmt(v, digits), what]);
  }
  const w0 = Math.max(...table.map((r) => r[0].length));
  const w1 = Math.max(...table.map((r) => r[1].length));
  process.stdout.write(`\n${'figure'.padEnd(w0)}  ${'value'.padStart(w1)}  what\n`);
  for (const [k, v, what] of table) process.stdout.write(`${k.padEnd(w0)}  ${v.padStart(w1)}  ${what}\n`);
}
