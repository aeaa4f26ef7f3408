/**
 * The prediction-log writer thread: owns its own connection to the registry store and appends
 * the batches the serving thread posts, answering each with its id (and the error, if any). It
 * exists because better-sqlite3 is synchronous — on the serving thread every flush would stall
 * all requests for the length of an insert transaction.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { openStore, type PredictionRecord } from '@aquaops/registry';

type Message = { readonly id: number; readonly records: readonly PredictionRecord[] } | { readonly close: true };

const port = parentPort;
if (port === null) throw new Error('sink-worker must run in a worker thread');
const store = await openStore((workerData as { storeUrl: string }).storeUrl);
let chain: Promise<unknown> = Promise.resolve();
port.on('message', (m: Message) => {
  chain = chain.then(async () => {
    if ('close' in m) {
      await store.close();
      port.postMessage({ closed: true });
      port.close();
      return;
    }
    try {
      await store.appendPredictions(m.records);
      port.postMessage({ id: m.id });
    } catch (err) {
      const e = err as Error & { code?: string };
      port.postMessage({ id: m.id, error: { message: e.message, code: e.code } });
    }
  });
});
port.postMessage({ ready: true });
