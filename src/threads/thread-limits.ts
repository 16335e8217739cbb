/**
 * V8 heap limits of the threads the pipeline starts. A thread's young generation grows up to its
 * limit under a high allocation rate and stays that size, and the ArrayBuffers its garbage points
 * to live until it is collected: left at V8's default (a new space of up to 32 MB on 64-bit Node 20), every thread
 * ended up holding tens of MB of short-lived garbage, and the process's peak RSS followed the
 * thread count. Smaller young generations are collected more often, at a cost that follows what
 * survives, not what was allocated: no throughput was lost in `npm run bench` (see bench/README.md).
 */
import { availableParallelism } from 'node:os';
import type { ResourceLimits } from 'node:worker_threads';

/**
 * Shard host threads: `shards.hostThreads`, else `min(shards, max(1, cores / 2))` (a host thread
 * spends a few µs per record next to the transform's tens, and every thread more is an isolate
 * more). Without a shard count, the most the default starts.
 */
export function hostThreadCount(configured: number | undefined, shards = Infinity): number {
  return configured ?? Math.max(1, Math.min(shards, Math.floor(availableParallelism() / 2)));
}

/** Host and emitter threads: messages, windows and batches, all short-lived. */
export const IO_THREAD_LIMITS: ResourceLimits = { maxYoungGenerationSizeMb: 8 };

/** Pool threads, which run the user's transform: 8 MB cost the sample transform nothing (see bench/README.md). */
export const POOL_THREAD_LIMITS: ResourceLimits = { maxYoungGenerationSizeMb: 8 };
