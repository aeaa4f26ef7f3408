/**
 * End-to-end harness: builds the web app with Vite's programmatic API into a temporary
 * directory, trains two small models into a temporary registry with the real CLI, starts the
 * real API server process (serving that build) on 127.0.0.1 and a free port, and launches
 * Debian's chromium through playwright-core. Everything runs as separate processes talking
 * HTTP, exactly as in production; `stop()` tears it all down.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { randomBytes, scryptSync } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { type Browser, chromium } from 'playwright-core';
import { build } from 'vite';

export const CHROMIUM = '/usr/bin/chromium';
export const WEB_ROOT = fileURLToPath(new URL('..', import.meta.url));
export const REPO_ROOT = path.resolve(WEB_ROOT, '../..');
export const RESULTS_DIR = path.join(WEB_ROOT, 'test-results');
export const ADMIN_KEY = 'e2e-admin-key-0123456789abcdef';

const run = promisify(execFile);

/** `scrypt$N$r$p$salt$hash` (base64url), the documented AQUAOPS_ADMIN_KEY_HASHES format. */
export function scryptHash(key: string, N = 1024, r = 8, p = 1): string {
  const salt = randomBytes(16);
  const hash = scryptSync(key, salt, 32, { N, r, p });
  return `scrypt$${N}$${r}$${p}$${salt.toString('base64url')}$${hash.toString('base64url')}`;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr !== null ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

async function train(tmp: string, family: string, seed: number): Promise<void> {
  await run(
    process.execPath,
    [
      path.join(REPO_ROOT, 'apps/cli/bin/aquaops.mjs'),
      'train',
      '--families',
      family,
      '--trials',
      '1',
      '--folds',
      '2',
      '--threads',
      '1',
      '--seed',
      String(seed),
      '--model-name',
      'water-potability',
      '--store',
      `sqlite:${path.join(tmp, 'registry.db')}`,
      '--artifacts',
      path.join(tmp, 'artifacts'),
      '--json',
    ],
    { cwd: tmp, timeout: 120_000, maxBuffer: 16 << 20 },
  );
}

async function waitReady(url: string, server: ChildProcess, log: () => string): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (server.exitCode !== null) throw new Error(`server exited with ${server.exitCode}:\n${log()}`);
    try {
      const res = await fetch(`${url}/readyz`);
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 150));
  }
  throw new Error(`server not ready after 30 s:\n${log()}`);
}

export interface Stack {
  readonly url: string;
  readonly browser: Browser;
  readonly webDir: string;
  readonly tmp: string;
  stop(): Promise<void>;
}

export async function startStack(): Promise<Stack> {
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'aquaops-web-e2e-'));
  const webDir = path.join(tmp, 'web');
  // Vitest sets NODE_ENV=test, which would give React's development build (and its JSX runtime).
  const nodeEnv = process.env.NODE_ENV;
  process.env.NODE_ENV = 'production';
  const building = build({
    configFile: path.join(WEB_ROOT, 'vite.config.ts'),
    root: WEB_ROOT,
    mode: 'production',
    logLevel: 'warn',
    build: { outDir: webDir, emptyOutDir: true },
  }).finally(() => {
    process.env.NODE_ENV = nodeEnv;
  });
  // Two versions: the first becomes champion; the second only if it scores better held-out.
  await train(tmp, 'logistic-regression', 42);
  await train(tmp, 'gaussian-nb', 7);
  await building;

  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  let output = '';
  const server = spawn(process.execPath, [path.join(REPO_ROOT, 'apps/server/bin/aquaops-server.mjs')], {
    cwd: tmp,
    env: {
      ...process.env,
      AQUAOPS_HOST: '127.0.0.1',
      AQUAOPS_PORT: String(port),
      AQUAOPS_STORE_URL: `sqlite:${path.join(tmp, 'registry.db')}`,
      AQUAOPS_ARTIFACT_DIR: path.join(tmp, 'artifacts'),
      AQUAOPS_ADMIN_KEY_HASHES: scryptHash(ADMIN_KEY),
      AQUAOPS_WEB_DIR: webDir,
      AQUAOPS_LOG_LEVEL: 'warn',
      AQUAOPS_MODEL_POLL_MS: '200',
      AQUAOPS_LOG_FLUSH_MS: '50',
      AQUAOPS_BATCH_LOG_EVERY: '1',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  server.stdout?.on('data', (d: Buffer) => {
    output += d.toString();
  });
  server.stderr?.on('data', (d: Buffer) => {
    output += d.toString();
  });
  let browser: Browser | undefined;
  try {
    await waitReady(url, server, () => output);
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-dev-shm-usage',
      ],
    });
  } catch (err) {
    server.kill('SIGTERM');
    throw err;
  }
  const b = browser;
  return {
    url,
    browser: b,
    webDir,
    tmp,
    async stop() {
      await b.close().catch(() => undefined);
      if (server.exitCode === null) {
        const exited = new Promise((r) => server.once('exit', r));
        server.kill('SIGTERM');
        await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
        if (server.exitCode === null) server.kill('SIGKILL');
      }
      rmSync(tmp, { recursive: true, force: true });
    },
  };
}

export const chromiumAvailable = existsSync(CHROMIUM);
