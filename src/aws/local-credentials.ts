/**
 * Placeholder credentials for a loopback endpoint (a local emulator) when the environment names no
 * AWS credentials; undefined otherwise, so the SDK's default chain applies.
 */
export function localCredentials(endpoint: string | undefined, key: string): { accessKeyId: string; secretAccessKey: string } | undefined {
  const local = endpoint !== undefined && /^https?:\/\/(127\.|localhost|\[::1\])/.test(endpoint);
  const configured = Boolean(process.env.AWS_ACCESS_KEY_ID || process.env.AWS_PROFILE || process.env.AWS_WEB_IDENTITY_TOKEN_FILE);
  return local && !configured ? { accessKeyId: key, secretAccessKey: key } : undefined;
}
