/**
 * Renderers of a quality report for people and machines: JSON (stable, the report object
 * itself), a fixed-width terminal table and Markdown (for PRs and DVC/CI artefacts). They only
 * format; every figure comes from the report.
 */
import type { QualityReport } from './report.js';

export function renderJson(report: QualityReport | { train: QualityReport; test: QualityReport }): string {
  return `${JSON.stringify(report, null, 2)}\n`;
}

function fmt(v: number | null | undefined): string {
  if (v === null || v === undefined || Number.isNaN(v)) return '-';
  if (Number.isInteger(v)) return String(v);
  const a = Math.abs(v);
  if (a >= 1e5 || a < 1e-3) return v.toExponential(3);
  return v
    .toPrecision(5)
    .replace(/(\.\d*?)0+$/, '$1')
    .replace(/\.$/, '');
}

function pct(x: number): string {
  return `${(x * 100).toFixed(1)}%`;
}

function table(headers: readonly string[], rows: readonly (readonly string[])[], rightAlign = true): string {
  const widths = headers.map((h, j) => Math.max(h.length, ...rows.map((r) => (r[j] ?? '').length)));
  const line = (cells: readonly string[]): string =>
    cells
      .map((c, j) => (j > 0 && rightAlign ? c.padStart(widths[j] as number) : c.padEnd(widths[j] as number)))
      .join('  ')
      .trimEnd();
  return [line(headers), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

function mdTable(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  const esc = (s: string): string => s.replace(/\|/g, '\\|');
  return [
    `| ${headers.map(esc).join(' | ')} |`,
    `|${headers.map((_, j) => (j === 0 ? '---' : '---:')).join('|')}|`,
    ...rows.map((r) => `| ${r.map(esc).join(' | ')} |`),
  ].join('\n');
}

interface Sections {
  summary: string[];
  rules: { head: string[]; rows: string[][] };
  columns: { head: string[]; rows: string[][] };
  quantiles: { head: string[]; rows: string[][] };
  guidelines: { head: string[]; rows: string[][] };
  problems: string[];
}

function sections(r: QualityReport): Sections {
  const summary = [
    `file: ${r.file} (${fmt(r.format.bytes)} bytes, ${r.format.lineEndings.toUpperCase()}${r.format.bom ? ', BOM' : ''}, delimiter ${JSON.stringify(r.format.delimiter)})`,
    `schema: ${r.schema.name} ${r.schema.version}`,
    `status: ${r.status.toUpperCase()}`,
    `rows: ${r.rows.read} read, ${r.rows.accepted} accepted, ${r.rows.rejected} rejected (${pct(r.rows.rejectedRate)})`,
    `label ${r.label.column}: ${r.label.positives} positive (${r.label.positive}), ${r.label.negatives} negative (${r.label.negative ?? '-'}); positive rate ${pct(r.label.positiveRate)}`,
    `duplicates: ${r.duplicates.rows} rows${r.duplicates.ids > 0 ? `, ${r.duplicates.ids} repeated ids` : ''}${r.duplicates.exact ? '' : ' (lower bound: fingerprint table full)'}`,
  ];
  if (r.header.extra.length > 0) summary.push(`ignored columns: ${r.header.extra.join(', ')}`);
  if (r.leakage !== undefined) {
    summary.push(
      `leakage vs ${r.leakage.against}: ${r.leakage.rows} test rows identical to a training row (${pct(r.leakage.rate)})`,
    );
  }
  const problems: string[] = [];
  for (const [kind, list] of Object.entries(r.examples)) {
    problems.push(`${kind}: ${r.rows.byReason[kind as keyof typeof r.rows.byReason] ?? 0} row(s)`);
    for (const is of list ?? [])
      problems.push(`  line ${is.line}, ${is.column}: found "${is.found}" — ${is.message.split('; fix: ')[1] ?? ''}`);
  }
  for (const d of r.duplicates.examples) problems.push(`duplicate: line ${d.line} repeats line ${d.firstLine}`);
  for (const d of r.duplicates.idExamples)
    problems.push(`duplicate id "${d.id}": line ${d.line}, first at line ${d.firstLine}`);
  for (const d of r.leakage?.examples ?? []) problems.push(`leak: test line ${d.line} = train line ${d.trainLine}`);
  return {
    summary,
    rules: {
      head: ['rule', 'level', 'value', 'detail'],
      rows: r.rules.map((x) => [x.id, x.level.toUpperCase(), fmt(x.value), x.message]),
    },
    columns: {
      head: ['column', 'unit', 'present', 'missing', 'missing %', 'out of bounds', 'invalid', 'constant'],
      rows: r.columns.map((c) => [
        c.name,
        c.unit ?? '',
        String(c.present),
        String(c.missing),
        pct(c.missingRate),
        String(c.outOfBounds),
        String(c.invalid),
        c.constant ? 'yes' : '',
      ]),
    },
    quantiles: {
      head: ['column', 'min', 'p01', 'p05', 'p25', 'p50', 'p75', 'p95', 'p99', 'max', 'mean', 'std'],
      rows: r.columns.map((c) => {
        const s = c.stats;
        return [
          c.name,
          ...(s === null
            ? new Array<string>(11).fill('-')
            : [s.min, s.p01, s.p05, s.p25, s.p50, s.p75, s.p95, s.p99, s.max, s.mean, s.std].map(fmt)),
        ];
      }),
    },
    guidelines: {
      head: ['column', 'source', 'range', 'health-based', 'exceeding', 'rate'],
      rows: r.columns.flatMap((c) =>
        c.guidelines.map((g) => [
          c.name,
          g.source,
          `${g.min ?? ''}..${g.max ?? ''}`,
          g.healthBased ? 'yes' : 'no',
          String(g.exceed),
          pct(g.rate),
        ]),
      ),
    },
    problems,
  };
}

/** A plain-text report for a terminal (fits 120 columns for typical schemas). */
export function renderTable(r: QualityReport): string {
  const s = sections(r);
  const parts = [
    s.summary.join('\n'),
    `\nRules\n${table(s.rules.head, s.rules.rows, false)}`,
    `\nColumns\n${table(s.columns.head, s.columns.rows)}`,
    `\nQuantiles (${r.quantileMethod})\n${table(s.quantiles.head, s.quantiles.rows)}`,
  ];
  if (s.guidelines.rows.length > 0) {
    parts.push(`\nGuideline exceedance\n${table(s.guidelines.head, s.guidelines.rows)}`);
    parts.push(
      r.guidelineSources
        .map((g) => `  ${g.source}: ${g.rows} rows (${pct(g.rowRate)}) exceed at least one value`)
        .join('\n'),
    );
  }
  if (s.problems.length > 0) parts.push(`\nProblems (first examples)\n${s.problems.join('\n')}`);
  return `${parts.join('\n')}\n`;
}

/** A Markdown report. */
export function renderMarkdown(r: QualityReport): string {
  const s = sections(r);
  const parts = [
    `# Data quality: ${r.file}`,
    s.summary.map((l) => `- ${l}`).join('\n'),
    `## Rules\n\n${mdTable(s.rules.head, s.rules.rows)}`,
    `## Columns\n\n${mdTable(s.columns.head, s.columns.rows)}`,
    `## Quantiles\n\n${r.quantileMethod}.\n\n${mdTable(s.quantiles.head, s.quantiles.rows)}`,
  ];
  if (s.guidelines.rows.length > 0) {
    parts.push(
      `## Guideline exceedance\n\n${mdTable(s.guidelines.head, s.guidelines.rows)}\n\n${r.guidelineSources
        .map((g) => `- ${g.source}: ${g.rows} rows (${pct(g.rowRate)}) exceed at least one value`)
        .join('\n')}`,
    );
  }
  if (s.problems.length > 0) parts.push(`## Problems (first examples)\n\n\`\`\`\n${s.problems.join('\n')}\n\`\`\``);
  return `${parts.join('\n\n')}\n`;
}
