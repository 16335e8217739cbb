/** Kinesis stream names: 1-128 of a-z A-Z 0-9 _ . - */
export function isStreamName(value: unknown): value is string {
  return typeof value === 'string' && /^[a-zA-Z0-9_.-]{1,128}$/.test(value);
}

export const STREAM_NAME_RULE = 'a Kinesis stream name (1-128 of a-z A-Z 0-9 _ . -)';
