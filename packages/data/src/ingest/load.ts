/**
 * Loads a CSV into the engine's training layout: a column-major Matrix (NaN = missing, columns
 * in schema feature order) and 0/1 labels, plus ids/sites when the schema has them and the
 * quality report of the same pass. Values are appended to growable per-column buffers, so the
 * file is read once. A dataset whose report fails its rules is refused unless `allowFailed`.
 */
import { AquaopsError } from '@aquaops/contracts';
import { matrix } from '@aquaops/ml';
import type { Matrix } from '@aquaops/ml';
import { QualityAccumulator } from '../quality/report.js';
import type { QualityReport } from '../quality/report.js';
import { featureColumns, roleColumn } from '../schema/types.js';
import type { DatasetSchema } from '../schema/types.js';
import { scanFile } from './validate.js';
import type { ValidateOptions } from './validate.js';

export interface Dataset {
  readonly X: Matrix;
  readonly y: Uint8Array;
  readonly featureNames: readonly string[];
  /** 1-based source line of each row (for tracing a prediction back to the file). */
  readonly lines: Uint32Array;
  readonly ids?: readonly string[];
  readonly sites?: readonly string[];
  readonly report: QualityReport;
}

export interface LoadOptions extends ValidateOptions {
  /** Return the data even when the quality report's status is `fail` (default false). */
  readonly allowFailed?: boolean;
}

class Growable {
  buf: Float64Array;
  n = 0;
  constructor(cap = 4096) {
    this.buf = new Float64Array(cap);
  }
  push(v: number): void {
    if (this.n === this.buf.length) {
      const next = new Float64Array(this.buf.length * 2);
      next.set(this.buf);
      this.buf = next;
    }
    this.buf[this.n++] = v;
  }
}

export async function loadDataset(file: string, schema: DatasetSchema, options: LoadOptions = {}): Promise<Dataset> {
  const names = featureColumns(schema).map((c) => c.name);
  const nf = names.length;
  const cols = names.map(() => new Growable());
  const labels = new Growable();
  const lines = new Growable();
  const hasId = roleColumn(schema, 'id') !== undefined;
  const hasSite = roleColumn(schema, 'site') !== undefined;
  const ids: string[] = [];
  const sites: string[] = [];
  const acc = new QualityAccumulator(schema, options);
  const summary = await scanFile(
    file,
    schema,
    options,
    (row) => {
      acc.accept(row);
      const f = row.features;
      for (let j = 0; j < nf; j++) (cols[j] as Growable).push(f[j] as number);
      labels.push(row.label);
      lines.push(row.line);
      if (hasId) ids.push(row.id ?? '');
      if (hasSite) sites.push(row.site ?? '');
    },
    (issues) => acc.reject(issues),
    true,
  );
  const report = acc.finish({ file, ...summary });
  const binary = report.rules.find((r) => r.id === 'label-binary');
  if (binary !== undefined && binary.level === 'fail' && options.allowFailed !== true) {
    const ex = report.examples['label-value']?.[0];
    throw new AquaopsError('AQUAOPS_E_DATA_LABEL', `${file}: ${binary.message}.`, {
      hint: `The label ${schema.label.column} must have exactly two values (positive ${String(schema.label.positive)}); fix or drop the other rows, or set positive/negative in the schema.`,
      details: report.label.distinct.map((d) => ({
        path: `${file}:${d.firstLine} ${schema.label.column}`,
        expected: 'one of two label values',
        found: `"${d.value}" (${d.count} rows)${ex && ex.found === d.value ? ' <- first unexpected value' : ''}`,
      })),
    });
  }
  if (report.status === 'fail' && options.allowFailed !== true) {
    const failed = report.rules.filter((r) => r.level === 'fail');
    throw new AquaopsError(
      'AQUAOPS_E_DATA_QUALITY_FAILED',
      `${file} failed ${failed.length} quality rule(s): ${failed.map((r) => `${r.id}: ${r.message}`).join('; ')}.`,
      {
        hint: 'Run `aquaops data validate` on the file for the full report, fix the data, or load with allowFailed.',
        details: failed.map((r) => ({ path: r.id, expected: `within threshold ${r.threshold}`, found: r.message })),
      },
    );
  }
  const n = labels.n;
  const data = new Float64Array(n * nf);
  for (let j = 0; j < nf; j++) data.set((cols[j] as Growable).buf.subarray(0, n), j * n);
  const y = new Uint8Array(n);
  for (let i = 0; i < n; i++) y[i] = labels.buf[i] as number;
  return {
    X: matrix(n, nf, data, names),
    y,
    featureNames: names,
    lines: Uint32Array.from(lines.buf.subarray(0, n)),
    ...(hasId ? { ids } : {}),
    ...(hasSite ? { sites } : {}),
    report,
  };
}
