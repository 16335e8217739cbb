/**
 * FileEmitter: one file per batch under a directory, named like S3Emitter's keys. Each file is
 * written to a temporary name, fsynced and renamed, so a reader never sees half a batch and a
 * re-emitted batch replaces itself. A batch whose file would not be inside `dir` (a bad shard id
 * or sequence number) fails with a non-retriable EmitError naming the path, and nothing is written.
 */
import { confinedPath } from '../../core/confined-path.js';
import { replaceFileDurably } from '../../core/durable-files.js';
import type { Batch } from '../../core/batch.js';
import { batchKey, type Emitter } from '../emitter.js';
import { EmitError, describeError, isRetriable } from '../../core/errors.js';
import { batchBody, batchNaming, type BatchFormat } from '../batch-body.js';
import { checkOutputFormat } from '../parquet/parquet-options.js';

/** The folder and name prefix, and the format of the files (NDJSON, gzipped or not, or Parquet). */
export interface FileEmitterOptions extends BatchFormat {
  dir: string;
  /** @defaultValue '' */
  prefix?: string;
}

let tmpCounter = 0;

export class FileEmitter implements Emitter {
  constructor(private readonly options: FileEmitterOptions) {
    checkOutputFormat(options, '');
  }

  async emit(batch: Batch): Promise<{ location: string }> {
    const { gzip, extension } = batchNaming(this.options);
    let file: string;
    try {
      file = confinedPath(this.options.dir, batchKey(this.options.prefix ?? '', batch, gzip, extension));
    } catch (err) {
      throw new EmitError(`file emitter: ${(err as Error).message}`, { retriable: false, cause: err, code: (err as { code?: string }).code });
    }
    const { body } = await batchBody(batch, this.options);
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
