/** Runs the store conformance suite against the in-memory store. */
import { runStoreConformance } from './conformance.js';
import { MemoryStore } from './memory.js';

runStoreConformance('memory', {
  create: async () => new MemoryStore(),
  connect: async (s) => s,
});
