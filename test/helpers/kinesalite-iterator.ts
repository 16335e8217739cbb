// kinesalite's shard iterators, opened and sealed again: base64 of an 8-byte prefix and the AES-CBC
// of "time/stream/shard/seq/pad" under kinesalite's own key (in its db module).
import { createCipheriv, createDecipheriv } from 'node:crypto';
import { createRequire } from 'node:module';

const { ITERATOR_PWD_KEY: KEY, ITERATOR_PWD_IV: IV } = createRequire(import.meta.url)('kinesalite/db/index.js') as { ITERATOR_PWD_KEY: Buffer; ITERATOR_PWD_IV: Buffer };

/** The iterator's fields: [time (ms, 14 digits), stream, shard id, sequence number, …]. */
export function openIterator(iterator: string): string[] {
  const decipher = createDecipheriv('aes-256-cbc', KEY, IV);
  return Buffer.concat([decipher.update(Buffer.from(iterator, 'base64').subarray(8)), decipher.final()]).toString('utf8').split('/');
}

/** `iterator` with its fields replaced by `fields` (same prefix). */
export function sealIterator(iterator: string, fields: string[]): string {
  const cipher = createCipheriv('aes-256-cbc', KEY, IV);
  return Buffer.concat([Buffer.from(iterator, 'base64').subarray(0, 8), cipher.update(fields.join('/'), 'utf8'), cipher.final()]).toString('base64');
}
