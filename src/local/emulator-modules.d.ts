// Minimal typings for the local emulators used by the demo and the tests (they ship none).
declare module 'kinesalite' {
  import type { Server } from 'node:http';
  export default function kinesalite(options?: {
    createStreamMs?: number; deleteStreamMs?: number; updateStreamMs?: number; shardLimit?: number; path?: string;
  }): Server;
}
declare module 's3rver' {
  export default class S3rver {
    constructor(options: {
      port?: number; address?: string; silent?: boolean; directory: string;
      configureBuckets?: Array<{ name: string; configs?: unknown[] }>; resetOnClose?: boolean;
    });
    run(): Promise<{ address: string; port: number }>;
    close(): Promise<void>;
    /** Creates the buckets of `configureBuckets` (if missing). */
    configureBuckets(): Promise<void>;
    /** The request handler, for a server of one's own. */
    callback(): (req: import('node:http').IncomingMessage, res: import('node:http').ServerResponse) => void;
  }
}
