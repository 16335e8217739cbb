// Question: end to end (embedded Kinesis -> sample transform -> embedded S3, with checkpoints), how
// does the pipeline compare with the loop a user would write with the SDK over the same stream
// contents: reading every shard at once on one thread (`concurrent`, the fair baseline) or one shard
// after another (`sequential`)? And what does each cost in CPU per record, its own and the emulators'?
//
// Every side runs in a fresh process of its own, timed from that process's start with its CPU
// counted over the whole process (see e2e-loop-run.ts and e2e-pipeline-run.ts); the three alternate
// within each repetition so that they see the same machine.
import { availableParallelism } from 'node:os';
import { createStream } from '../src/aws/create-stream.js';
import { createKinesisClient } from '../src/aws/kinesis-client.js';
import { median, recordOf, runChild } from './common.js';
import { putAll, startServers, type Servers } from './emulator-process.js';

interface ChildRun { records: number; seconds: number; rps: number; cpuSeconds: number; peakRssMB: number }
interface PipelineChildRun extends ChildRun { startedSeconds: number; startedRps: number; startedCpuSeconds: number }
type Measured<T> = T & { emulatorCpuSeconds: number };

/** Runs a child while counting the emulators' CPU seconds from just before its spawn to its result. */
async function measured<T>(servers: Servers, run: () => Promise<T>): Promise<Measured<T>> {
  const e0 = await servers.cpuSeconds();
  const result = await run();
  return { ...result, emulatorCpuSeconds: (await servers.cpuSeconds()) - e0 };
}

function summary(runs: Array<Measured<ChildRun>>, records: number) {
  return {
    rps: median(runs.map((r) => r.rps)),
    cpuSeconds: median(runs.map((r) => r.cpuSeconds)),
    cpuUsPerRecord: median(runs.map((r) => r.cpuSeconds * 1e6 / records)),
    emulatorCpuSeconds: median(runs.map((r) => r.emulatorCpuSeconds)),
    emulatorCpuUsPerRecord: median(runs.map((r) => r.emulatorCpuSeconds * 1e6 / records)),
    seconds: median(runs.map((r) => r.seconds)),
  };
}

/**
 * Runs the three sides `reps` times over the same stream (pipeline, concurrent loop, sequential loop,
 * repeat). `cpuBoundSpeedup` is the best speedup any parallel pipeline doing the concurrent loop's
 * work could reach on these cores while the emulators take their share: concurrent wall time /
 * ((concurrent CPU + emulator CPU during it) / cores). `extra` is passed to the pipeline's run
 * (e.g. `--protocol cbor`).
 */
export async function e2e(records: number, reps: number, extra: string[] = []) {
  const servers = await startServers();
  const { endpoints } = servers;
  const kinesis = createKinesisClient({ region: 'us-east-1', endpoint: endpoints.kinesis });
  const cores = availableParallelism();
  try {
    const stream = `bench-${Date.now()}`;
    await createStream(kinesis, stream, 4);
    await putAll(kinesis, stream, records, (i) => ({ Data: recordOf('click', i), PartitionKey: `user-${i}` }), 1);
    const common = ['--records', String(records), '--stream', stream, '--kinesis', endpoints.kinesis, '--s3', endpoints.s3, '--bucket', endpoints.bucket];
    const pipelineRuns: Array<Measured<PipelineChildRun>> = [];
    const loopRuns: Record<'concurrent' | 'sequential', Array<Measured<ChildRun>>> = { concurrent: [], sequential: [] };
    for (let r = 0; r < reps; r++) {
      pipelineRuns.push(await measured(servers, () => runChild<PipelineChildRun>('./e2e-pipeline-run.js', [...common, ...extra])));
      for (const mode of ['concurrent', 'sequential'] as const) {
        loopRuns[mode].push(await measured(servers, () => runChild<ChildRun>('./e2e-loop-run.js', [...common, '--mode', mode])));
      }
    }
    const p = summary(pipelineRuns, records);
    const c = summary(loopRuns.concurrent, records);
    const s = summary(loopRuns.sequential, records);
    return {
      e2e: {
        records,
        timing: 'each side in a fresh process, from its start (performance.now() since timeOrigin) to its last record; CPU of the whole process',
        pipelineRps: p.rps, concurrentRps: c.rps, sequentialRps: s.rps,
        speedup: p.rps / c.rps, speedupVsSequential: p.rps / s.rps,
        pipelineCpuUsPerRecord: p.cpuUsPerRecord, concurrentCpuUsPerRecord: c.cpuUsPerRecord, sequentialCpuUsPerRecord: s.cpuUsPerRecord,
        emulatorCpuUsPerRecord: p.emulatorCpuUsPerRecord,
        concurrentEmulatorCpuUsPerRecord: c.emulatorCpuUsPerRecord, sequentialEmulatorCpuUsPerRecord: s.emulatorCpuUsPerRecord,
        pipelineCpuSeconds: p.cpuSeconds, concurrentCpuSeconds: c.cpuSeconds, sequentialCpuSeconds: s.cpuSeconds,
        pipelineEmulatorCpuSeconds: p.emulatorCpuSeconds, concurrentEmulatorCpuSeconds: c.emulatorCpuSeconds, sequentialEmulatorCpuSeconds: s.emulatorCpuSeconds,
        pipelineStartedRps: median(pipelineRuns.map((r) => r.startedRps)),
        pipelineCpuUtilization: median(pipelineRuns.map((r) => (r.cpuSeconds + r.emulatorCpuSeconds) / (r.seconds * cores))),
        cpuBoundSpeedup: c.seconds / ((c.cpuSeconds + c.emulatorCpuSeconds) / cores),
        pipelinePeakRssMB: median(pipelineRuns.map((r) => r.peakRssMB)),
        runs: {
          pipeline: pipelineRuns.map((r) => r.rps), concurrent: loopRuns.concurrent.map((r) => r.rps), sequential: loopRuns.sequential.map((r) => r.rps),
          pipelineStarted: pipelineRuns.map((r) => r.startedRps),
        },
      },
    };
  } finally {
    kinesis.destroy();
    await servers.stop();
  }
}
