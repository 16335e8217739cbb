// What a Redshift COPY from S3 reads: the objects under a prefix or listed in a manifest (gunzipped
// with GZIP), and how their lines become rows (JSON 'auto', jsonpaths, or delimited text).
import type { S3Client } from '@aws-sdk/client-s3';
import { gunzipSync } from 'node:zlib';
import { CopyError, parseS3Url, type RedshiftCopy } from './copy-statement.js';
import { s3Sdk } from '../../aws/sdk-modules.js';

const { GetObjectCommand, ListObjectsV2Command } = s3Sdk();

export interface SourceFile {
  url: string;
  text: string;
}

/** The object's bytes, or undefined when it does not exist. */
async function getObject(s3: S3Client, url: string): Promise<Buffer | undefined> {
  const { bucket, key } = parseS3Url(url);
  try {
    const res = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    return Buffer.from(await res.Body!.transformToByteArray());
  } catch (err) {
    if ((err as { name?: string }).name === 'NoSuchKey') return undefined;
    throw new CopyError('XX000', `S3 GetObject ${url} failed: ${(err as Error).name}: ${(err as Error).message}`);
  }
}

export async function readSources(s3: S3Client, copy: RedshiftCopy): Promise<SourceFile[]> {
  const urls: string[] = [];
  const bodies = new Map<string, Buffer>();
  if (copy.manifest) {
    const body = await getObject(s3, copy.from);
    if (!body) throw new CopyError('XX000', `manifest file ${copy.from} does not exist`);
    let entries: Array<{ url?: unknown; mandatory?: unknown }>;
    try {
      entries = (JSON.parse(body.toString('utf8')) as { entries: typeof entries }).entries;
      if (!Array.isArray(entries)) throw new Error('"entries" is not an array');
    } catch (err) {
      throw new CopyError('XX000', `manifest file ${copy.from} is not valid: ${(err as Error).message}`);
    }
    for (const entry of entries) {
      if (typeof entry?.url !== 'string') throw new CopyError('XX000', `manifest file ${copy.from} has an entry without a "url"`);
      const file = await getObject(s3, entry.url);
      if (file) {
        urls.push(entry.url);
        bodies.set(entry.url, file);
      } else if (entry.mandatory === true) {
        throw new CopyError('XX000', `mandatory file ${entry.url} listed in manifest ${copy.from} does not exist`);
      }
    }
  } else {
    // Without MANIFEST the FROM is a key prefix.
    const { bucket, key } = parseS3Url(copy.from);
    let token: string | undefined;
    try {
      do {
        const page = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: key, ContinuationToken: token }));
        for (const o of page.Contents ?? []) urls.push(`s3://${bucket}/${o.Key!}`);
        token = page.NextContinuationToken;
      } while (token);
    } catch (err) {
      throw new CopyError('XX000', `S3 ListObjects ${copy.from} failed: ${(err as Error).name}: ${(err as Error).message}`);
    }
    if (urls.length === 0) throw new CopyError('XX000', `the S3 prefix ${copy.from} matches no object`);
    for (const url of urls) {
      const file = await getObject(s3, url);
      if (!file) throw new CopyError('XX000', `file ${url} disappeared while COPY read it`);
      bodies.set(url, file);
    }
  }
  return urls.map((url) => {
    let body = bodies.get(url)!;
    if (copy.gzip) {
      try {
        body = gunzipSync(body);
      } catch {
        throw new CopyError('XX000', `file ${url} is not valid gzip (COPY has GZIP)`);
      }
    }
    return { url, text: body.toString('utf8') };
  });
}

export type PathStep = string | number;

export async function readJsonPaths(s3: S3Client, url: string, columnCount: number): Promise<PathStep[][]> {
  const body = await getObject(s3, url);
  if (!body) throw new CopyError('XX000', `jsonpaths file ${url} does not exist`);
  let paths: unknown;
  try {
    paths = (JSON.parse(body.toString('utf8')) as { jsonpaths?: unknown }).jsonpaths;
  } catch (err) {
    throw new CopyError('XX000', `jsonpaths file ${url} is not valid JSON: ${(err as Error).message}`);
  }
  if (!Array.isArray(paths) || !paths.every((p) => typeof p === 'string')) {
    throw new CopyError('XX000', `jsonpaths file ${url} must hold {"jsonpaths": ["$.field", ...]}`);
  }
  if (paths.length !== columnCount) {
    throw new CopyError('XX000', `jsonpaths file ${url} has ${paths.length} paths but the COPY loads ${columnCount} columns`);
  }
  return (paths).map((p) => parseJsonPath(p, url));
}

/** `$.a.b`, `$['a']["b"]`, `$.a[0]`. */
function parseJsonPath(path: string, file: string): PathStep[] {
  const steps: PathStep[] = [];
  const bad = () => new CopyError('XX000', `jsonpaths file ${file}: invalid path ${path}`);
  if (!path.startsWith('$')) throw bad();
  let i = 1;
  while (i < path.length) {
    if (path[i] === '.') {
      const m = /^[^.[\]]+/.exec(path.slice(i + 1));
      if (!m) throw bad();
      steps.push(m[0]);
      i += 1 + m[0].length;
    } else if (path[i] === '[') {
      const m = /^\[(?:'([^']*)'|"([^"]*)"|(\d+))\]/.exec(path.slice(i));
      if (!m) throw bad();
      steps.push(m[3] !== undefined ? Number(m[3]) : (m[1] ?? m[2]));
      i += m[0].length;
    } else {
      throw bad();
    }
  }
  return steps;
}

function jsonValueText(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  return JSON.stringify(value) ?? null;
}

export function fileRows(file: SourceFile, copy: RedshiftCopy, columns: Array<{ name: string; text: boolean }>, jsonPaths?: PathStep[][]): Array<Array<string | null>> {
  const rows: Array<Array<string | null>> = [];
  const lines = file.text.split('\n');
  lines.forEach((raw, index) => {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (line.trim() === '') return;
    const where = `line ${index + 1} of ${file.url}`;
    if (copy.format.kind === 'delimiter') {
      const fields = line.split(copy.format.delimiter);
      if (fields.length < columns.length) throw new CopyError('22P04', `${where}: delimiter not found (${fields.length} fields for ${columns.length} columns)`);
      if (fields.length > columns.length) throw new CopyError('22P04', `${where}: extra column(s) found (${fields.length} fields for ${columns.length} columns)`);
      // As on Redshift, an empty field is NULL except in a character column.
      rows.push(fields.map((f, k) => (f === '\\N' || (f === '' && !columns[k].text) ? null : f)));
      return;
    }
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      throw new CopyError('22P04', `${where} is not valid JSON`);
    }
    if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new CopyError('22P04', `${where} is not a JSON object`);
    if (jsonPaths) {
      rows.push(jsonPaths.map((steps) => {
        let v: unknown = value;
        for (const step of steps) v = v !== null && typeof v === 'object' ? (v as Record<string | number, unknown>)[step] : undefined;
        return jsonValueText(v);
      }));
      return;
    }
    const byName = new Map<string, unknown>();
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
      const lower = k.toLowerCase();
      if (!byName.has(lower)) byName.set(lower, v);
    }
    rows.push(columns.map((c) => jsonValueText(byName.get(c.name.toLowerCase()))));
  });
  return rows;
}
