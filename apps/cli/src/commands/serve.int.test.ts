/**
 * `aquaops up` and `aquaops serve` as a user runs them: child processes in a temporary working
 * directory on 127.0.0.1 with a free port. `up` trains a first champion (tiny budget) and serves
 * it; `serve` serves the same registry and follows a `models promote` run from a THIRD process
 * while a load loop sees only 2xx; SIGINT/SIGTERM to the CLI stop the server and the CLI exits 0.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const BIN = path.resolve(process.cwd(), 'apps/cli/bin/aquaops.mjs');
const SAMPLE = {
  ph: 7.1,
  Hardness: 200,
  Solids: 21000,
  Chloramines: 7,
  Sulfate: 330,
  Conductivity: 420,
  Organic_carbon: 14,
  Trihalomethanes: 66,
  Turbidity: 4,
};

// The tiny training budget both `up`'s first champion and the second version are trained on.
const TINY_BUDGET = ['--families', 'gbm', '--trials', '2', '--folds', '3'];

let dir = '';
const children: ChildProcess[] = [];

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aq-cli-serve-'));
});
afterAll(() => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  fs.rmSync(dir, { recursive: true, force: true });
});

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

function cli(args: string[]): {
  child: ChildProcess;
  out: () => string;
  err: () => string;
  exit: Promise<number | null>;
} {
  const child = spawn(process.execPath, [BIN, ...args], {
    cwd: dir,
    stdio: ['ignore', 'pipe', 'pipe'],
    // The load loops below would trip the default rate limit (600/min), which is not under test here.
    env: { ...process.env, AQUAOPS_RATE_LIMIT_MAX: '1000000' },
  });
  children.push(child);
  let out = '';
  let err = '';
  child.stdout?.on('data', (d) => {
    out += String(d);
  });
  child.stderr?.on('data', (d) => {
    err += String(d);
  });
  const exit = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, out: () => out, err: () => err, exit };
}

async function waitReady(url: string, ms: number): Promise<{ model: { version: number } }> {
  const end = Date.now() + ms;
  for (;;) {
    try {
      const r = await fetch(`${url}/readyz`);
      if (r.status === 200) return (await r.json()) as { model: { version: number } };
      await r.text();
    } catch {
      // not listening yet
    }
    if (Date.now() > end) throw new Error(`${url} not ready after ${ms} ms`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

const predict = (url: string) =>
  fetch(`${url}/api/v1/predict`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(SAMPLE),
  });

describe('aquaops up / serve (child processes)', () => {
  it('up trains a first champion when there is none, serves it, and stops on SIGINT with exit 0', async () => {
    const port = await freePort();
    const up = cli(['up', '--port', String(port), '--host', '127.0.0.1', ...TINY_BUDGET]);
    const ready = await waitReady(`http://127.0.0.1:${port}`, 50_000);
    expect(ready.model.version).toBe(1);
    expect(up.err()).toContain('no champion for water-potability');
    expect(up.out()).toContain(`http://localhost:${port}`);
    const r = await predict(`http://127.0.0.1:${port}`);
    expect(r.status).toBe(200);
    const body = (await r.json()) as { predictions: { verdict: string; model: { name: string } }[] };
    expect(body.predictions[0]!.model.name).toBe('water-potability');
    up.child.kill('SIGINT');
    expect(await up.exit).toBe(0);
    expect(fs.existsSync(path.join(dir, '.aquaops', 'registry.db'))).toBe(true);
  }, 60_000);

  it('serve follows a champion promoted by another process with zero failed requests', async () => {
    // A second version to promote (registered, not made champion unless better; either is fine).
    const exec = promisify(execFile);
    await exec(
      process.execPath,
      [BIN, 'train', ...TINY_BUDGET, '--seed', '7', '--model-name', 'water-potability', '--json'],
      {
        cwd: dir,
      },
    );
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const serve = cli([
      'serve',
      '--port',
      String(port),
      '--host',
      '127.0.0.1',
      '--poll-ms',
      '200',
      '--log-level',
      'warn',
    ]);
    const ready = await waitReady(url, 30_000);
    const from = ready.model.version;
    const to = from === 1 ? 2 : 1;
    const statuses = new Map<number, number>();
    const versions = new Set<number>();
    let stop = false;
    const loop = async () => {
      while (!stop) {
        const r = await predict(url);
        statuses.set(r.status, (statuses.get(r.status) ?? 0) + 1);
        if (r.status === 200)
          versions.add(
            ((await r.json()) as { predictions: { model: { version: number } }[] }).predictions[0]!.model.version,
          );
        else await r.text();
      }
    };
    const loops = [loop(), loop()];
    await exec(
      process.execPath,
      [BIN, 'models', 'promote', 'water-potability', String(to), '--alias', 'champion', '--reason', 'hot swap test'],
      {
        cwd: dir,
      },
    );
    const end = Date.now() + 10_000;
    while (!versions.has(to) && Date.now() < end) await new Promise((r) => setTimeout(r, 50));
    await new Promise((r) => setTimeout(r, 300));
    stop = true;
    await Promise.all(loops);
    expect([...statuses.keys()]).toEqual([200]);
    expect(versions.has(to)).toBe(true);
    const hist = (await (await fetch(`${url}/api/v1/models/water-potability/aliases/champion/history`)).json()) as {
      events: { to: number; reason: string }[];
    };
    expect(hist.events.at(-1)).toMatchObject({ to, reason: 'hot swap test' });
    serve.child.kill('SIGTERM');
    expect(await serve.exit).toBe(0);
  }, 60_000);

  it('a server whose CLI is killed with SIGKILL (no chance to forward a signal) shuts itself down', async () => {
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const serve = cli(['serve', '--port', String(port), '--host', '127.0.0.1']);
    await waitReady(url, 30_000);
    serve.child.kill('SIGKILL');
    await serve.exit;
    // The server notices its IPC channel closing and stops listening.
    const end = Date.now() + 15_000;
    let listening = true;
    while (listening && Date.now() < end) {
      listening = await new Promise<boolean>((resolve) => {
        const sock = net.connect({ host: '127.0.0.1', port });
        sock.once('connect', () => {
          sock.destroy();
          resolve(true);
        });
        sock.once('error', () => resolve(false));
      });
      if (listening) await new Promise((r) => setTimeout(r, 100));
    }
    expect(listening).toBe(false);
  }, 60_000);
});
