// Worker threads do not inherit the main thread's tsx loader: register it, then load the
// TypeScript worker body.
import { register } from 'tsx/esm/api';

register();
await import('./quality-worker.ts');
