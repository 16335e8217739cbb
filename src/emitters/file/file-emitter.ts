/**
 * FileEmitter: one file per batch under a directory, named like S3Emitter's keys. Each file is
 * written to a temporary name, fsynced and renamed, so a reader never sees half a batch and a
 * re-emitted batch replaces itself.
 */
import { mkdir, open, rename } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { gzip as gzipCb } from 'node:zlib';
import { fsyncDir } from '../../core/fsync-dir.js';
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
    const file = join(this.options.dir, batchKey(this.options.prefix ?? '', batch, gz));
    const body = gz ? await gzip(batch.data) : batch.data;
    const tmp = `${file}.tmp-${process.pid}-${tmpCounter++}`;
    try {
      await mkdir(dirname(file), { recursive: true });
      const handle = await open(tmp, 'w');
      try {
        await handle.writeFile(body);
        await handle.sync();
      } finally {
        await handle.close();
      }
      await rename(tmp, file);
      await fsyncDir(dirname(file));
    } catch (err) {
      throw new EmitError(`writing batch file ${file} failed: ${describeError(err)}`, { retriable: isRetriable(err), cause: err });
    }
    return { location: file };
  }

  async close(): Promise<void> {}
}
