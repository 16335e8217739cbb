// The GetRecords signer against the SDK's own SigV4 signer: for the same request, keys and date,
// the same headers, signature included (the request test in kinesis-cbor.test.ts checks what a real
// call sends the same way).
import test from 'ava';
import { SignatureV4 } from '@smithy/signature-v4';
import { Sha256 } from '@smithy/core/checksum';
import { HttpRequest } from '@smithy/core/protocols';
import { PostSigner, type SigningCredentials } from '../src/aws/sigv4-post.js';

const KEYS = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' };
const BASE = { 'content-type': 'application/x-amz-cbor-1.1', 'x-amz-target': 'Kinesis_20131202.GetRecords' };

async function sdkHeaders(c: SigningCredentials, region: string, host: string, path: string, body: Uint8Array, signingDate: Date) {
  const [hostname, port] = host.split(':');
  const signed = await new SignatureV4({ service: 'kinesis', region, credentials: c, sha256: Sha256, uriEscapePath: true }).sign(new HttpRequest({
    method: 'POST', protocol: 'https:', hostname, port: port ? Number(port) : undefined, path,
    headers: { ...BASE, host, 'content-length': String(body.byteLength) }, body,
  }), { signingDate });
  return signed.headers;
}

const cases: Array<[string, SigningCredentials, string, string, string]> = [
  ['static keys, path /', KEYS, 'eu-west-1', 'kinesis.eu-west-1.amazonaws.com', '/'],
  ['a session token', { ...KEYS, sessionToken: 'token/with+chars=' }, 'us-east-1', '127.0.0.1:4567', '/'],
  ['a path to normalize and escape', KEYS, 'ap-south-1', 'proxy.example:8443', '/a b/./c/../kinesis(1)/'],
];

for (const [name, creds, region, host, path] of cases) {
  test(`the same headers and signature as the SDK's signer: ${name}`, async (t) => {
    const body = Buffer.from('a26c5368617264497465726174', 'hex');
    for (const date of [new Date(Date.UTC(2026, 10, 27, 23, 59, 59, 999)), new Date(Date.UTC(2026, 10, 28, 0, 0, 1))]) {
      const signer = new PostSigner({ region, service: 'kinesis', host, path }, creds);
      const ours = await signer.sign(BASE, body, date);
      t.deepEqual(ours, await sdkHeaders(creds, region, host, path, body, date));
    }
  });
}

test('the signing key follows the day and the secret; a provider is asked on every call', async (t) => {
  let secret = KEYS.secretAccessKey;
  let asked = 0;
  const provider = () => {
    asked++;
    return Promise.resolve({ accessKeyId: KEYS.accessKeyId, secretAccessKey: secret });
  };
  const signer = new PostSigner({ region: 'us-east-1', service: 'kinesis', host: 'h', path: '/' }, provider);
  const body = Buffer.from('x');
  const day1 = new Date(Date.UTC(2026, 10, 27, 12));
  const day2 = new Date(Date.UTC(2026, 10, 28, 12));
  t.is((await signer.sign(BASE, body, day1)).authorization, (await sdkHeaders({ ...KEYS, secretAccessKey: secret }, 'us-east-1', 'h', '/', body, day1)).authorization);
  t.is((await signer.sign(BASE, body, day2)).authorization, (await sdkHeaders({ ...KEYS, secretAccessKey: secret }, 'us-east-1', 'h', '/', body, day2)).authorization);
  secret = 'rotated-secret';
  t.is((await signer.sign(BASE, body, day2)).authorization, (await sdkHeaders({ ...KEYS, secretAccessKey: secret }, 'us-east-1', 'h', '/', body, day2)).authorization);
  t.is(asked, 3);
});

test('credentials without keys: an error that names the service and host', async (t) => {
  const signer = new PostSigner({ region: 'us-east-1', service: 'kinesis', host: 'kinesis.example', path: '/' }, () => Promise.resolve({} as SigningCredentials));
  const err = await t.throwsAsync(signer.sign(BASE, Buffer.from('x')));
  t.regex(err.message, /credentials for kinesis at kinesis\.example have no accessKeyId/);
});

test('one signer over many calls: a session token that changes, seconds and days that pass, two header sets in turn; every call as the SDK signs it', async (t) => {
  let token = 'token-a';
  const provider = () => Promise.resolve({ ...KEYS, sessionToken: token });
  const host = '127.0.0.1:4567';
  const signer = new PostSigner({ region: 'us-east-1', service: 'kinesis', host, path: '/' }, provider);
  const other = { 'content-type': 'application/x-amz-cbor-1.1', 'x-amz-target': 'Kinesis_20131202.ListShards', 'x-extra': '  two   spaces ' };
  const start = Date.UTC(2026, 10, 27, 23, 59, 58, 500);
  let calls = 0;
  for (const offsetMs of [0, 100, 600, 1700, 2500, 86_400_000]) {
    const date = new Date(start + offsetMs);
    for (const headers of [BASE, other, BASE]) {
      const body = Buffer.from(`body ${offsetMs} ${calls++}`);
      const ours = await signer.sign(headers, body, date);
      const [hostname, port] = host.split(':');
      const sdk = await new SignatureV4({ service: 'kinesis', region: 'us-east-1', credentials: { ...KEYS, sessionToken: token }, sha256: Sha256, uriEscapePath: true }).sign(new HttpRequest({
        method: 'POST', protocol: 'https:', hostname, port: Number(port), path: '/', headers: { ...headers, host, 'content-length': String(body.byteLength) }, body,
      }), { signingDate: date });
      t.deepEqual(ours, sdk.headers, `call ${calls} at +${offsetMs} ms`);
    }
    token = offsetMs === 600 ? '' : `token-${offsetMs}`; // an empty token: none is sent, as the SDK does
  }
});
