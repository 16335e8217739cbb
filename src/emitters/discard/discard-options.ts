/** The `discard` emitter's config-file options: none but the type (it counts batches and drops them). */
import type { z } from 'zod';
import { emitterVariant } from '../../config/emitter-variant.js';

export function discardEmitterSchema() {
  return emitterVariant('discard', {});
}

export type DiscardEmitterConfig = z.input<ReturnType<typeof discardEmitterSchema>>;
export type ResolvedDiscardEmitterConfig = z.output<ReturnType<typeof discardEmitterSchema>>;
