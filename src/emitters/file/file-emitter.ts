/**
 * FileEmitter: one file per batch, or per partition of a batch (a key template with per-record
 * parts), under a directory, named like S3Emitter's keys. Each file is written to a temporary
 * name, fsynced and renamed, so a reader never sees half a file and a re-emitted batch replaces
 * its files. A batch with a file that would not be inside `dir` (a bad shard id or sequence
 * number) fails with a non-retriable EmitError naming the path, and nothing of it is written.
 */
import { confinedPath } from '../../core/confined-path.js';
import { replaceFileDurably } from '../../core/durable-files.js';
import type { Batch } from '../../core/batch.js';
import type { Emitter } from '../emitter.js';
import { EmitError, describeError, isRetriable } from '../../core/errors.js';
import { batchBody, batchNaming, type BatchFormat } from '../batch-body.js';
import { batchObjects, writeObjects, type BatchObject, type KeyScheme } from '../batch-objects.js';
import { resolveKeyOptions, type KeyTemplateOptions } from '../key-options.js';
import { checkOutputFormat } from '../parquet/parquet-options.js';

/** The folder and name prefix, the key template, and the format of the files (NDJSON, gzipped or not, or Parquet). */
export interface FileEmitterOptions extends BatchFormat, KeyTemplateOptions {
  dir: string;
  /** @defaultValue '' */
  prefix?: string;
}

let tmpCounter = 0;

export class FileEmitter implements Emitter {
  private readonly scheme: KeyScheme;

  constructor(private readonly options: FileEmitterOptions) {
    checkOutputFormat(options, '');
    const { template, fieldDefault } = resolveKeyOptions(options);
    this.scheme = { prefix: options.prefix ?? '', template, fieldDefault, ...batchNaming(options) };
  }

  async emit(batch: Batch): Promise<{ location: string }> {
    // Each object's key made a path under `dir`: every path is known before anything is written.
    let files: BatchObject[];
    try {
      files = batchObjects(this.scheme, batch).map((o) => ({ key: confinedPath(this.options.dir, o.key), batch: o.batch }));
    } catch (err) {
      throw new EmitError(`file emitter: ${(err as Error).message}`, { retriable: false, cause: err, code: (err as { code?: string }).code });
    }
    return { location: await writeObjects(files, (f) => this.write(f.key, f.batch)) };
  }

  private async write(file: string, batch: Batch): Promise<string> {
    const { body } = await batchBody(batch, this.options);
    const tmp = `${file}.tmp-${process.pid}-${tmpCounter++}`;
    try {
      await replaceFileDurably(file, tmp, body);
    } catch (err) {
      throw new EmitError(`writing batch file ${file} failed: ${describeError(err)}`, { retriable: isRetriable(err), cause: err });
    }
    return file;
  }

  async close(): Promise<void> {}
}
