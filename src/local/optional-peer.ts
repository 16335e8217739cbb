/**
 * Loading the optional peer dependencies of `kinesis-connectors/local`. kinesalite, s3rver and
 * pg-gateway are needed only by the embedded stand-ins, so installing kinesis-connectors does not
 * install them: each is imported when a stand-in starts, and a missing one fails with an error that
 * names it and the command that installs it.
 */
import { ConnectorError } from '../core/errors.js';

/** One optional peer: the version range this package is built against, and what needs it. */
export interface OptionalPeer {
  range: string;
  neededFor: string;
}

/** The optional peer dependencies, as in package.json's `peerDependencies`. */
export const OPTIONAL_PEERS = {
  kinesalite: { range: '^3.3.3', neededFor: 'the embedded Kinesis' },
  s3rver: { range: '^3.7.1', neededFor: 'the embedded S3' },
  'pg-gateway': { range: '^0.2.4', neededFor: 'the local Redshift stand-in' },
} as const satisfies Record<string, OptionalPeer>;

export type OptionalPeerName = keyof typeof OPTIONAL_PEERS;

/** Imports one of the optional peers (its module namespace); see {@link importOptional}. */
export function importOptionalPeer<T>(name: OptionalPeerName): Promise<T> {
  return importOptional<T>(name, OPTIONAL_PEERS[name]);
}

/**
 * Imports the package `name` and resolves with its module namespace. When the package itself is not
 * installed, rejects with a `ConnectorError` (code `DEPENDENCY_MISSING`) naming it, what needs it
 * and the command that installs it; any other failure (a dependency of that package missing, an
 * error while it loads) is passed on as it is.
 */
export async function importOptional<T>(name: string, peer: OptionalPeer): Promise<T> {
  try {
    return await import(name) as T;
  } catch (err) {
    throw missingPackageError(err, name, peer) ?? err;
  }
}

/** The error to give for `err` if it says that package `name` is not installed, else undefined. */
export function missingPackageError(err: unknown, name: string, peer: OptionalPeer): ConnectorError | undefined {
  const e = err as { code?: unknown; message?: unknown };
  const notFound = e?.code === 'ERR_MODULE_NOT_FOUND' && typeof e.message === 'string' && e.message.includes(`'${name}'`);
  if (!notFound) return undefined;
  const spec = `"${name}@${peer.range}"`;
  return new ConnectorError(`${name} is not installed, and ${peer.neededFor} needs it. It is an optional peer dependency of `
    + `kinesis-connectors: install it where kinesis-connectors is installed, with npm install --save-dev ${spec} `
    + `(npm install -g ${spec} next to a global kinesis-connectors)`,
  { code: 'DEPENDENCY_MISSING', cause: err });
}
