/**
 * `kinesis-connectors/local`: stand-ins for AWS on one machine, for development, demos and tests.
 * An embedded Kinesis (kinesalite) and S3 (s3rver), and a local Redshift stand-in (PostgreSQL behind
 * a small wire-protocol proxy that runs Redshift's `COPY … FROM 's3://…'` against that S3), all on
 * 127.0.0.1. kinesalite, s3rver and pg-gateway are optional peer dependencies: install the ones you
 * use next to kinesis-connectors. Nothing in the main entry (`kinesis-connectors`) imports this one.
 */
export { startLocalKinesis, startLocalS3, type LocalKinesis, type LocalS3 } from './emulators.js';
export { startLocalRedshift, DATABASE_URL, type LocalRedshift, type LocalRedshiftOptions, type CopyRecord } from './local-redshift.js';
export { startLocalStack, checkPostgres, LOCAL_REGION, type LocalStack, type LocalStackOptions } from './local-stack.js';
export { OPTIONAL_PEERS, type OptionalPeer, type OptionalPeerName } from './optional-peer.js';
export { makeClick, clickBytes } from './click-events.js';
export { putClicks } from './put-clicks.js';
