/**
 * FileEmitter: one file per batch under a directory, named like S3Emitter's keys. Each file is
 * written to a temporary name, fsynced and renamed, so a reader never sees half a batch and a
 * re-emitted batch replaces itself. A batch whose file would not be inside `dir` (a bad shard id
 * or sequence number) fails with a non-retriable EmitError naming the path, and nothing is written.
 */
import { promisify } from 'node:util';
import { gzip as gzipCb } from 'node:zlib';
import { confinedPath } from '../../core/confined-path.js';
import { replaceFileDurably } from '../../core/durable-files.js';
import type { Batch } from '../../core/batch.js';
import { batchKey, type Emitter } from '../emitter.js';
import { EmitError, describeError, isRetriable } from '../../core/errors.js';

const gzip = promisify(gzipCb);

export interface FileEmitterOptions {
  dir: string;
  /** @defaultValue '' */
  prefix?: string;
  /** @defaultValue false */
  gzip?: boolean;
}

let tmpCounter = 0;

export class FileEmitter implements Emitter {
  constructor(private readonly options: FileEmitterOptions) {}

  async emit(batch: Batch): Promise<{ location: string }> {
    const gz = this.options.gzip ?? false;
    let file: string;
    try {
      file = confinedPath(this.options.dir, batchKey(this.options.prefix ?? '', batch, gz));
    } catch (err) {
      throw new EmitError(`file emitter: ${(err as Error).message}`, { retriable: false, cause: err, code: (err as { code?: string }).code });
    }
    const body = gz ? await gzip(batch.data) : batch.data;
    const tmp = `${file}.tmp-${process.pid}-${tmpCounter++}`;
    try {
      await replaceFileDurably(file, tmp, body);
    } catch (err) {
      throw new EmitError(`writing batch file ${file} failed: ${describeError(err)}`, { retriable: isRetriable(err), cause: err });
    }
    return { location: file };
  }

  async close(): Promise<void> {}
}
