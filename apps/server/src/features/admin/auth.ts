/**
 * Bearer API-key authentication for admin routes. Keys are checked against scrypt hashes with a
 * constant-time compare; the key itself is never stored or logged. Recently verified keys are
 * remembered by their sha256 (a small bounded set) so scrypt's deliberate cost is paid once per
 * key, not once per request. Missing key → 401, wrong key → 403.
 */
import { createHash } from 'node:crypto';
import { AquaopsError } from '@aquaops/contracts';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { type ApiKeyHash, verifyApiKey } from '../../config.js';

export function bearerAuth(
  hashes: readonly ApiKeyHash[],
): (request: FastifyRequest, reply: FastifyReply) => Promise<void> {
  const verified = new Set<string>();
  return async (request, reply) => {
    const header = request.headers.authorization;
    const m = typeof header === 'string' ? /^Bearer ([\x21-\x7e]{1,512})$/.exec(header.trim()) : null;
    if (m === null) {
      void reply.header('www-authenticate', 'Bearer realm="aquaops-admin"');
      throw new AquaopsError('AQUAOPS_E_UNAUTHORIZED', 'an admin API key is required', {
        hint: 'Send the header Authorization: Bearer <key>.',
        details: [
          {
            path: 'header:authorization',
            expected: 'Bearer <key>',
            found: header === undefined ? 'nothing' : 'a malformed value',
          },
        ],
      });
    }
    const key = m[1]!;
    const digest = createHash('sha256').update(key).digest('hex');
    if (verified.has(digest)) return;
    if (hashes.length === 0 || !verifyApiKey(key, hashes)) {
      throw new AquaopsError('AQUAOPS_E_FORBIDDEN', 'the API key is not valid for admin operations', {
        hint: hashes.length === 0 ? 'The admin API is disabled: set AQUAOPS_ADMIN_KEY_HASHES.' : 'Check the key.',
      });
    }
    if (verified.size >= 64) verified.clear();
    verified.add(digest);
  };
}
