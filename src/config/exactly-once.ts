/** `emitter.exactlyOnce`, offered by the emitters whose objects are named by their batch (`s3`, `file`). */
import { DEFAULTS } from './defaults.js';
import { flag } from './rules.js';

export function exactlyOnceShape() {
  return {
    /**
     * Every object holds records no other object holds, even after crashes: batch boundaries are
     * reproducible (those cut by age or at a stop are journaled in the checkpoint store before
     * the object is written) and an object's key derives from its batch. @defaultValue true
     */
    exactlyOnce: flag().default(DEFAULTS.emitter.exactlyOnce),
  };
}

/** True when the configured emitter makes exactly-once objects. */
export function exactlyOnce(emitter: object): boolean {
  return (emitter as { exactlyOnce?: unknown }).exactlyOnce === true;
}
