// RS256 tokens signed with the repository's dev key, as the service's tests mint them (no JWT library).
import { createPrivateKey, sign } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const ISSUER = 'https://dev.escrow-realtime.local';
export const AUDIENCE = 'escrow-realtime';
const KEY_FILE = fileURLToPath(new URL('../../src/main/resources/dev-keys/rsa-private.pem', import.meta.url));

let key;
const b64url = (value) => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');

/** A token for `userId`, valid for `ttlSeconds` (long enough to outlast any run: the server closes at exp). */
export function tokenFor(userId, ttlSeconds = 6 * 3600) {
  key ??= createPrivateKey(readFileSync(KEY_FILE));
  const now = Math.floor(Date.now() / 1000);
  const input = `${b64url({ alg: 'RS256', kid: 'dev-rsa', typ: 'JWT' })}.${b64url({
    iss: ISSUER, sub: userId, aud: AUDIENCE, iat: now - 5, exp: now + ttlSeconds, groups: [],
  })}`;
  return `${input}.${sign('RSA-SHA256', Buffer.from(input), key).toString('base64url')}`;
}

/** Tokens minted once per user: signing costs about a millisecond, a socket should not pay it. */
export function tokenCache() {
  const cache = new Map();
  return (userId) => {
    let token = cache.get(userId);
    if (!token) cache.set(userId, (token = tokenFor(userId)));
    return token;
  };
}
