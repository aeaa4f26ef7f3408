/**
 * Filtering and ordering of model versions shared by every store. Metrics live in a JSON
 * column, so sorting by an arbitrary metric is done here, identically for all backends,
 * rather than with dialect-specific JSON operators.
 */
import type { ModelVersion, VersionQuery } from '../features/models/store.js';

export function filterAndSortVersions(versions: readonly ModelVersion[], q: VersionQuery): ModelVersion[] {
  let out = versions.filter(
    (v) =>
      (q.model === undefined || v.model === q.model) &&
      (q.status === undefined || v.status === q.status) &&
      (q.dataVersion === undefined || v.dataVersion === q.dataVersion) &&
      Object.entries(q.tags ?? {}).every(([k, val]) => v.tags[k] === val),
  );
  const order = q.orderBy;
  out.sort((a, b) => {
    if (order !== undefined) {
      const x = a.metrics[order.metric];
      const y = b.metrics[order.metric];
      // versions lacking the metric sort last whatever the direction
      if (x === undefined && y !== undefined) return 1;
      if (y === undefined && x !== undefined) return -1;
      if (x !== undefined && y !== undefined && x !== y) return order.direction === 'asc' ? x - y : y - x;
    }
    return b.createdAt.localeCompare(a.createdAt) || a.model.localeCompare(b.model) || b.version - a.version;
  });
  if (q.limit !== undefined) out = out.slice(0, q.limit);
  return out;
}
