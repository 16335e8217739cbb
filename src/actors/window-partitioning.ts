/**
 * What the shard host tells the pool about partitions: the per-record parts of the `s3` or `file`
 * emitter's key template, when it has any. Other emitters name objects by batch (or store no
 * objects), so their windows carry none.
 */
import type { ResolvedConfig } from '../config/config.js';
import type { Partitioning } from '../core/records.js';
import { parseKeyTemplate } from '../emitters/key-template.js';

export function windowPartitioning(emitter: ResolvedConfig['emitter']): Partitioning | undefined {
  if (emitter.type !== 's3' && emitter.type !== 'file') return undefined;
  const { recordParts } = parseKeyTemplate(emitter.key);
  return recordParts.length === 0 ? undefined : { parts: recordParts, fieldDefault: emitter.keyFieldDefault };
}
