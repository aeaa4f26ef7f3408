import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { webRoutes } from './routes.js';

let app: FastifyInstance | undefined;
let dir: string | undefined;
afterEach(async () => {
  await app?.close();
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  app = undefined;
  dir = undefined;
});

async function withBuild(files: Record<string, string>): Promise<{ app: FastifyInstance; served: string | undefined }> {
  dir = mkdtempSync(path.join(os.tmpdir(), 'aquaops-web-static-'));
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    writeFileSync(path.join(dir, name), text);
  }
  app = Fastify();
  app.setNotFoundHandler((_req, reply) => void reply.status(404).send({ code: 'AQUAOPS_E_NOT_FOUND' }));
  app.get('/api/v1/models', async () => ({ models: [] }));
  const served = await webRoutes(app, { dir });
  await app.ready();
  return { app, served };
}

const INDEX = '<!doctype html><div id="root"></div>';

describe('web app static serving', () => {
  it('serves index.html at / (never cached) and hashed assets with a long cache life', async () => {
    const { app: a, served } = await withBuild({ 'index.html': INDEX, 'assets/index-abc.js': 'console.log(1)' });
    expect(served).toBe(dir);
    const root = await a.inject({ url: '/', headers: { accept: 'text/html' } });
    expect(root.statusCode).toBe(200);
    expect(root.body).toBe(INDEX);
    expect(root.headers['cache-control']).toBe('no-cache');
    const js = await a.inject({ url: '/assets/index-abc.js' });
    expect(js.statusCode).toBe(200);
    expect(js.headers['cache-control']).toBe('public, max-age=31536000, immutable');
  });

  it('falls back to the app for client routes, but keeps JSON 404s for the API and non-HTML requests', async () => {
    const { app: a } = await withBuild({ 'index.html': INDEX });
    const page = await a.inject({
      url: '/models/water-potability',
      headers: { accept: 'text/html,application/xhtml+xml' },
    });
    expect(page.statusCode).toBe(200);
    expect(page.body).toBe(INDEX);
    const api = await a.inject({ url: '/api/v1/nope', headers: { accept: 'text/html' } });
    expect(api.statusCode).toBe(404);
    expect(api.json()).toEqual({ code: 'AQUAOPS_E_NOT_FOUND' });
    const json = await a.inject({ url: '/missing.js', headers: { accept: '*/*' } });
    expect(json.statusCode).toBe(404);
    expect((await a.inject({ url: '/api/v1/models' })).json()).toEqual({ models: [] });
  });

  it('registers nothing when the directory has no index.html', async () => {
    const { app: a, served } = await withBuild({ 'other.txt': 'x' });
    expect(served).toBeUndefined();
    expect((await a.inject({ url: '/', headers: { accept: 'text/html' } })).statusCode).toBe(404);
  });
});
