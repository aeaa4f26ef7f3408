/**
 * Serves the built web app (files on disk, by default `apps/web/dist`) at `/`: hashed assets with
 * a long cache life, `index.html` never cached, and a single-page-app fallback so a reload on a
 * client-side route still gets the app. API-looking paths (`/api/`, `/v2/`, …) and requests that
 * do not accept HTML keep the JSON 404. When the directory has no `index.html` nothing is
 * registered: the API runs without a UI (e.g. before `npm run build -w @aquaops/web`).
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';

/** `apps/web/dist`, found from this file's place in the repository. */
export const DEFAULT_WEB_DIR = fileURLToPath(new URL('../../../../web/dist', import.meta.url));

const NOT_THE_APP = /^\/(api|v2|docs|metrics|openapi\.json|livez|readyz)(\/|$|\?)/;

export interface WebRoutesOptions {
  /** Directory of the built app; '' or undefined = DEFAULT_WEB_DIR. */
  readonly dir?: string | undefined;
}

/** Registers the static app when its build exists; returns the directory served, or undefined. */
export async function webRoutes(app: FastifyInstance, options: WebRoutesOptions = {}): Promise<string | undefined> {
  const dir = path.resolve(options.dir === undefined || options.dir === '' ? DEFAULT_WEB_DIR : options.dir);
  if (!existsSync(path.join(dir, 'index.html'))) return undefined;
  await app.register(fastifyStatic, {
    root: dir,
    prefix: '/',
    wildcard: false,
    index: ['index.html'],
    serveDotFiles: false,
    cacheControl: false,
    setHeaders: (res, file) => {
      const hashed = file.includes(`${path.sep}assets${path.sep}`);
      res.setHeader('cache-control', hashed ? 'public, max-age=31536000, immutable' : 'no-cache');
    },
  });
  app.get('/*', { schema: { hide: true } }, (request, reply) => {
    const accept = request.headers.accept ?? '';
    if (request.method !== 'GET' || NOT_THE_APP.test(request.url) || !accept.includes('text/html')) {
      return reply.callNotFound();
    }
    void reply.header('cache-control', 'no-cache');
    return reply.sendFile('index.html', dir);
  });
  return dir;
}
