/**
 * The part of every emitter's options that the pipeline reads: the `type` that selects the emitter
 * and the number of emitter threads. Each emitter's own options come from its folder.
 */
import { z } from 'zod';
import { DEFAULTS } from './defaults.js';
import { section } from './object-rules.js';
import { integer } from './rules.js';

/** Emitter threads are I/O-bound: one handles many concurrent writes. */
export const MAX_EMITTER_THREADS = 64;

/**
 * The section of emitter `type`: `type`, `threads`, then the emitter's own options in `shape`, in
 * the order they are checked; `listed` is their documented order (by default, that of `shape`).
 */
export function emitterVariant<const T extends string, const S extends z.core.$ZodLooseShape>(type: T, shape: S, listed = Object.keys(shape)) {
  return section({
    /** Which emitter. */
    type: z.literal(type),
    /** Emitter threads. @defaultValue 1 */
    threads: integer(1, MAX_EMITTER_THREADS).default(DEFAULTS.emitter.threads),
    ...shape,
  }, ['type', 'threads', ...listed]);
}
