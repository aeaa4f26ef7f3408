// Worker threads do not inherit the main thread's tsx loader: register it, then load the
// TypeScript prediction-log writer.
import { register } from 'tsx/esm/api';

register();
await import('./sink-worker.ts');
