/**
 * The transform module contract. A module (ESM or CommonJS) may export any of:
 *
 * - `toRecord(data: Buffer, meta: RecordMeta)`: decode one record into the user's model.
 *   Default: the bytes as they are.
 * - `keepRecord(model, meta)`: return false to drop the record. Default: keep all.
 * - `fromRecord(model, meta)`: encode the model for the sink: a string, a Buffer/Uint8Array, or any
 *   other value (written as JSON). Default: the same rule applied to the model.
 *
 * Each may return a promise. A function that throws sends that record to the dead-letter sink; so
 * does one that runs past `transform.timeoutMs`, calls `process.exit()` or kills its thread with an
 * uncaught error (the relay finds the record by bisecting its window, see `window-bisection.ts`).
 */
import { pathToFileURL } from 'node:url';
import { TransformModuleError } from '../core/errors.js';

export interface RecordMeta {
  shardId: string;
  sequenceNumber: string;
  partitionKey: string;
  /** ms since the epoch, NaN when unknown */
  approximateArrivalTimestamp: number;
}

export interface Transformer {
  toRecord(data: Buffer, meta: RecordMeta): unknown;
  fromRecord(model: unknown, meta: RecordMeta): unknown;
}

export interface Filter {
  keepRecord(model: unknown, meta: RecordMeta): unknown;
}

export interface TransformModule extends Transformer, Filter {
  /** False when `keepRecord` is the default (keep everything), so it can be skipped. */
  filters: boolean;
}

const identity = (x: unknown) => x;

/**
 * Why importing `file` failed: the file is missing, or it exists and something it imports is (a
 * package by its name, or a file by its path), or the error it threw while loading.
 */
function loadFailure(err: unknown, file: string): string {
  const e = err as NodeJS.ErrnoException;
  const missing = e.code === 'ERR_MODULE_NOT_FOUND' ? /Cannot find (package|module) '([^']+)'/.exec(String(e.message)) : null;
  if (!missing) return `${e.name}: ${e.message}`;
  const [, kind, what] = missing;
  if (kind === 'module' && (what === file || what === pathToFileURL(file).href)) return 'the file does not exist';
  return kind === 'package'
    ? `the module exists, but the package "${what}" it imports is not installed where the module can find it`
    : `the module exists, but ${what}, which it imports, does not exist`;
}

export async function loadTransformModule(file: string | undefined): Promise<TransformModule> {
  if (file === undefined) return { toRecord: identity, fromRecord: identity, keepRecord: () => true, filters: false };
  let mod: Record<string, unknown>;
  try {
    mod = await import(pathToFileURL(file).href) as Record<string, unknown>;
  } catch (err) {
    throw new TransformModuleError(`transform module ${file} failed to load: ${loadFailure(err, file)}`, err);
  }
  // A CommonJS module, or an ESM module with a default export object, carries the functions there.
  const fromDefault = mod.default && typeof mod.default === 'object' ? mod.default as Record<string, unknown> : {};
  const pick = (name: string) => {
    const f = mod[name] ?? fromDefault[name];
    if (f !== undefined && typeof f !== 'function') {
      throw new TransformModuleError(`transform module ${file}: export ${name} must be a function, got ${typeof f}`);
    }
    return f as ((...args: unknown[]) => unknown) | undefined;
  };
  const toRecord = pick('toRecord');
  const keepRecord = pick('keepRecord');
  const fromRecord = pick('fromRecord');
  if (!toRecord && !keepRecord && !fromRecord) {
    throw new TransformModuleError(`transform module ${file} exports none of toRecord, keepRecord, fromRecord`);
  }
  return {
    toRecord: (toRecord ?? identity),
    fromRecord: (fromRecord ?? identity),
    keepRecord: (keepRecord ?? (() => true)),
    filters: keepRecord !== undefined,
  };
}
