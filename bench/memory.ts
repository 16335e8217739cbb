// Question: is memory bounded by configuration rather than by stream size? Peak RSS of the full
// pipeline (identity transform, 100-byte records) over N and over 10 x N records.
import { median } from './common.js';
import { pipelineRun } from './cpu.js';

export async function memory(records: number, reps: number) {
  const small: number[] = [];
  const large: number[] = [];
  for (let r = 0; r < reps; r++) {
    small.push((await pipelineRun(records, 'identity', 'bytes100')).peakRssMB);
    large.push((await pipelineRun(records * 10, 'identity', 'bytes100')).peakRssMB);
  }
  const peakSmall = median(small);
  const peakLarge = median(large);
  return { memory: { records, peakRssMB: Math.max(peakSmall, peakLarge), peakRssSmallMB: peakSmall, peakRss10xMB: peakLarge, growth10x: peakLarge / peakSmall } };
}
