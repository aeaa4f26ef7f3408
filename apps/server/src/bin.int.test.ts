/**
 * The packaged entry point: `bin/aquaops-server.mjs` refuses an invalid configuration with a
 * one-line message and exit code 2, and otherwise listens and exits 0 on SIGTERM (graceful stop).
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const BIN = path.resolve(process.cwd(), 'apps/server/bin/aquaops-server.mjs');

function run(env: Record<string, string>, onLine?: (line: string, kill: () => void) => void) {
  return new Promise<{ code: number | null; stderr: string }>((resolve) => {
    const child = spawn(process.execPath, [BIN], {
      env: { PATH: process.env.PATH ?? '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    let buf = '';
    child.stderr.on('data', (d) => {
      stderr += String(d);
    });
    child.stdout.on('data', (d) => {
      buf += String(d);
      let i = buf.indexOf('\n');
      while (i >= 0) {
        onLine?.(buf.slice(0, i), () => child.kill('SIGTERM'));
        buf = buf.slice(i + 1);
        i = buf.indexOf('\n');
      }
    });
    child.on('exit', (code) => resolve({ code, stderr }));
  });
}

describe('aquaops-server bin', () => {
  it('exits 2 with a fix-it message on bad configuration', async () => {
    const r = await run({ AQUAOPS_PORT: 'abc' });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('AQUAOPS_PORT must be an integer 0–65535, got "abc"');
  });

  it('listens, answers /livez, and stops cleanly on SIGTERM', async () => {
    let live = 0;
    const r = await run(
      { AQUAOPS_PORT: '0', AQUAOPS_HOST: '127.0.0.1', AQUAOPS_LOG_LEVEL: 'info', AQUAOPS_STORE_URL: 'memory:' },
      (line, kill) => {
        const rec = JSON.parse(line) as { msg?: string; url?: string };
        if (rec.msg === 'aquaops server listening' && rec.url !== undefined) {
          void fetch(`${rec.url}/livez`).then((res) => {
            live = res.status;
            kill();
          });
        }
      },
    );
    expect(live).toBe(200);
    expect(r.code).toBe(0);
  });
});
