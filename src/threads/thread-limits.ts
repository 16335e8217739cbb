/**
 * V8 heap limits of the threads the pipeline starts. A thread's young generation grows up to its
 * limit under a high allocation rate and stays that size: left at V8's default, every thread ends up
 * holding tens of MB of short-lived garbage, and the process's peak RSS follows the thread count.
 */
import type { ResourceLimits } from 'node:worker_threads';

const env = (name: string, fallback: number) => Number(process.env[name] ?? fallback);

/** Host and emitter threads: messages, windows and batches, all short-lived. */
export const IO_THREAD_LIMITS: ResourceLimits = { maxYoungGenerationSizeMb: env('KC_YOUNG_IO', 8) };

/** Pool threads run the user's transform. */
export const POOL_THREAD_LIMITS: ResourceLimits = { maxYoungGenerationSizeMb: env('KC_YOUNG_POOL', 16) };
