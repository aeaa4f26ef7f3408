/**
 * Streaming for real, over a socket: results for the first rows of an upload arrive while the
 * client is still holding back the rest (so the server neither buffers the body nor the
 * answer), and a 100k-row NDJSON upload is scored end to end with the heap growing far less than
 * the upload's size.
 */
import http from 'node:http';
import v8 from 'node:v8';
import vm from 'node:vm';
import { afterEach, describe, expect, it } from 'vitest';
import { type RunningServer, startServer } from '../../main.js';
import { InMemoryFeedbackStore, InMemoryModelSource, InMemoryPredictionSink } from '../../model/memory.js';
import { fittedModel, GOOD_SAMPLE, SIGNATURE, testConfig } from '../../testing/fixtures.js';

let running: RunningServer | undefined;
afterEach(async () => {
  await running?.stop();
  running = undefined;
});

async function start(): Promise<RunningServer> {
  const source = new InMemoryModelSource();
  source.addVersion({ name: 'water-potability', classifier: fittedModel(1), signature: SIGNATURE });
  await source.setAlias('water-potability', 'champion', 1, { reason: 'initial', actor: 'test' });
  running = await startServer(
    {
      source,
      admin: source,
      sink: new InMemoryPredictionSink(),
      feedback: new InMemoryFeedbackStore(),
      processMetrics: false,
    },
    testConfig({ host: '127.0.0.1', port: 0 }),
  );
  return running;
}

function rowText(i: number): string {
  // Vary the rows a little so they are not one repeated string.
  return `${JSON.stringify({ ...GOOD_SAMPLE, ph: 6 + (i % 200) / 100 })}\n`;
}

/**
 * POSTs an NDJSON upload to `url`, handing `onLine` each complete response line as it arrives
 * (so a test can react before the upload ends); `upload` writes and ends the body on the open
 * request. Resolves when the response ends.
 */
function postNdjson(
  url: URL,
  onLine: (line: string) => void,
  upload: (req: http.ClientRequest) => void,
): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    let buf = '';
    const req = http.request(
      {
        host: url.hostname,
        port: url.port,
        path: url.pathname,
        method: 'POST',
        headers: { 'content-type': 'application/x-ndjson' },
      },
      (res) => {
        res.setEncoding('utf8');
        res.on('data', (d: string) => {
          buf += d;
          let i = buf.indexOf('\n');
          while (i >= 0) {
            onLine(buf.slice(0, i));
            buf = buf.slice(i + 1);
            i = buf.indexOf('\n');
          }
        });
        res.on('end', () => resolve());
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    upload(req);
  });
}

describe('batch streaming over a socket', () => {
  it('answers the first rows before the rest of the upload is sent', async () => {
    const srv = await start();
    const url = new URL(`${srv.url}/api/v1/predict/batch`);
    let received = 0;
    let release: () => void = () => undefined;
    const firstRowsBack = new Promise<void>((r) => {
      release = r;
    });
    const done = postNdjson(
      url,
      () => {
        received++;
        if (received >= 3000) release();
      },
      (req) => {
        let first = '';
        for (let i = 0; i < 5000; i++) first += rowText(i);
        req.write(first);
        void firstRowsBack.then(() => {
          let rest = '';
          for (let i = 5000; i < 6000; i++) rest += rowText(i);
          req.end(rest);
        });
      },
    ).then(() => received);
    const total = await Promise.race([
      done,
      new Promise<number>((_, reject) =>
        setTimeout(() => reject(new Error('no results before the upload ended')), 15_000),
      ),
    ]);
    expect(total).toBe(6000);
  }, 30_000);

  it('scores a 100k-row upload end to end with bounded memory', async () => {
    const srv = await start();
    const url = new URL(`${srv.url}/api/v1/predict/batch`);
    const n = 100_000;
    // Live heap (after a full GC), so uncollected garbage does not count as held memory.
    v8.setFlagsFromString('--expose-gc');
    const gc = vm.runInNewContext('gc') as () => void;
    const live = (): number => {
      gc();
      return process.memoryUsage().heapUsed;
    };
    const heap0 = live();
    let peak = heap0;
    let bytesSent = 0;
    const sampler = setInterval(() => {
      peak = Math.max(peak, live());
    }, 50);
    let count = 0;
    let lastLine = 0;
    let errors = 0;
    await postNdjson(
      url,
      (line) => {
        const rec = JSON.parse(line) as { line?: number; error?: unknown };
        count++;
        if (rec.error !== undefined) errors++;
        lastLine = rec.line ?? lastLine;
      },
      (req) => {
        let i = 0;
        // Write with backpressure, 1000 rows per write.
        const pump = (): void => {
          while (i < n) {
            let s = '';
            for (let k = 0; k < 1000 && i < n; k++, i++) s += rowText(i);
            bytesSent += s.length;
            if (!req.write(s)) {
              req.once('drain', pump);
              return;
            }
          }
          req.end();
        };
        pump();
      },
    );
    clearInterval(sampler);
    expect(count).toBe(n);
    expect(errors).toBe(0);
    expect(lastLine).toBe(n);
    // Bound: the live heap grows by less than half the upload's size (~15 MB of text); a buffering
    // implementation would hold at least the whole body (and the whole answer) at once.
    const growth = peak - heap0;
    expect(bytesSent).toBeGreaterThan(10_000_000);
    console.info(`batch 100k: sent ${(bytesSent / 1e6).toFixed(1)} MB, heap growth ${(growth / 1e6).toFixed(1)} MB`);
    expect(growth).toBeLessThan(bytesSent / 2);
  }, 60_000);
});
