// The soak's emulators, in a process of their own so that a SIGKILL of the pipeline process does
// not take them down: an embedded Kinesis and an embedded S3 keeping its objects under the folder
// given as the first argument (left in place, so a run kept with --keep can be looked into).
// Prints their endpoints as one JSON line, then serves until its stdin closes.
import { startLocalKinesis, startLocalS3 } from '../../src/local/emulators.js';

const BUCKET = 'soak';
const kinesis = await startLocalKinesis();
const s3 = await startLocalS3(process.argv[2], [BUCKET]);
process.stdout.write(JSON.stringify({ kinesis: kinesis.endpoint, s3: s3.endpoint, bucket: BUCKET }) + '\n');
process.stdin.resume();
process.stdin.on('end', () => {
  void Promise.allSettled([s3.close(), kinesis.close()]).then(() => process.exit(0));
});
