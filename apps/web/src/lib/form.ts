/**
 * Pure helpers behind the lab form: the form is built from the served model's signature, so
 * parsing, range checks, guideline hints and the mapping of the API's field-level error details
 * back onto form fields all work from `FeatureSpec`s and never name a measurement.
 */
import type { FeatureSpec, Guideline } from '../api/types.js';

export interface FieldResult {
  /** `null` = left empty (sent as a missing measurement). */
  readonly value: number | null;
  readonly error?: string;
}

const NUMBER = /^[+-]?(\d+([.,]\d*)?|[.,]\d+)([eE][+-]?\d+)?$/;

/** Human label of a feature: `Organic_carbon` → `Organic carbon`, `ph` → `pH`. */
export function featureLabel(spec: Pick<FeatureSpec, 'name' | 'description'>): string {
  if (spec.name.toLowerCase() === 'ph') return 'pH';
  const words = spec.name.replace(/_/g, ' ').replace(/([a-z])([A-Z])/g, '$1 $2');
  return words.charAt(0).toUpperCase() + words.slice(1).toLowerCase();
}

export function formatNumber(x: number, digits = 3): string {
  if (!Number.isFinite(x)) return String(x);
  const abs = Math.abs(x);
  if (abs !== 0 && (abs >= 1e12 || abs < 1e-3)) return x.toExponential(2);
  return Number(x.toPrecision(digits + (abs >= 1000 ? 3 : 1))).toLocaleString('en-US', { maximumFractionDigits: 4 });
}

function unitSuffix(spec: FeatureSpec): string {
  return spec.unit === undefined || spec.unit === '' || spec.unit === 'pH' ? '' : ` ${spec.unit}`;
}

/** "between 0 and 14", "at least 0", "" — the valid range in words. */
export function rangeText(spec: FeatureSpec): string {
  const u = unitSuffix(spec);
  if (spec.min !== undefined && spec.max !== undefined)
    return `${formatNumber(spec.min)}–${formatNumber(spec.max)}${u}`;
  if (spec.min !== undefined) return `at least ${formatNumber(spec.min)}${u}`;
  if (spec.max !== undefined) return `at most ${formatNumber(spec.max)}${u}`;
  return '';
}

export function guidelineText(g: Guideline, spec: FeatureSpec): string {
  const u = unitSuffix(spec);
  const range =
    g.min !== undefined && g.max !== undefined
      ? `${formatNumber(g.min)}–${formatNumber(g.max)}${u}`
      : g.max !== undefined
        ? `≤ ${formatNumber(g.max)}${u}`
        : g.min !== undefined
          ? `≥ ${formatNumber(g.min)}${u}`
          : 'no limit';
  return `${g.source}: ${range}${g.healthBased ? ' (health-based)' : ''}`;
}

/** Parses one field's text; accepts a decimal comma. Empty means missing, not zero. */
export function parseField(spec: FeatureSpec, text: string): FieldResult {
  const t = text.trim();
  if (t === '') return { value: null };
  // "21,000" could be twenty-one thousand or 21.000: refuse rather than guess by a factor of 1000.
  if (/^[+-]?\d{1,3}(,\d{3})+$/.test(t)) {
    return {
      value: null,
      error: `Write the number without thousands separators (e.g. ${t.replace(/,/g, '')}), or use a point for decimals.`,
    };
  }
  if (!NUMBER.test(t)) return { value: null, error: `Enter a number (e.g. ${exampleValue(spec)}), or leave it empty.` };
  const value = Number(t.replace(',', '.'));
  if (!Number.isFinite(value)) return { value: null, error: 'This number is too large.' };
  const label = featureLabel(spec);
  if ((spec.min !== undefined && value < spec.min) || (spec.max !== undefined && value > spec.max)) {
    return { value, error: `${label} must be ${rangeWords(spec)}; ${formatNumber(value)} is not a possible reading.` };
  }
  return { value };
}

function rangeWords(spec: FeatureSpec): string {
  const u = unitSuffix(spec);
  if (spec.min !== undefined && spec.max !== undefined)
    return `between ${formatNumber(spec.min)} and ${formatNumber(spec.max)}${u}`;
  if (spec.min !== undefined) return `at least ${formatNumber(spec.min)}${u}`;
  return `at most ${formatNumber(spec.max ?? 0)}${u}`;
}

function exampleValue(spec: FeatureSpec): string {
  const g = spec.guidelines?.find((x) => x.max !== undefined || x.min !== undefined);
  const typical =
    g === undefined ? undefined : g.min !== undefined && g.max !== undefined ? (g.min + g.max) / 2 : (g.max ?? g.min);
  if (typical !== undefined) return String(typical);
  if (spec.min !== undefined && spec.max !== undefined)
    return String(Number(((spec.min + spec.max) / 2).toPrecision(2)));
  return '7.2';
}

export interface SampleResult {
  readonly sample: Record<string, number | null>;
  readonly errors: Readonly<Record<string, string>>;
}

/** The request body for one sample (every feature present, null = missing) and per-field errors. */
export function buildSample(features: readonly FeatureSpec[], texts: Readonly<Record<string, string>>): SampleResult {
  const sample: Record<string, number | null> = {};
  const errors: Record<string, string> = {};
  for (const f of features) {
    const r = parseField(f, texts[f.name] ?? '');
    sample[f.name] = r.error === undefined ? r.value : null;
    if (r.error !== undefined) errors[f.name] = r.error;
  }
  return { sample, errors };
}

export interface ApiDetail {
  readonly path: string;
  readonly expected: string;
  readonly got: string;
}

/**
 * Maps API error details (`/ph`, `/0/ph`, `body/ph`, `ph`) onto form fields, in words a lab
 * technician understands; details that name no field are returned under `''`.
 */
export function fieldErrorsFromApi(
  details: readonly ApiDetail[],
  features: readonly FeatureSpec[],
): Record<string, string> {
  const byName = new Map(features.map((f) => [f.name, f] as const));
  const out: Record<string, string> = {};
  for (const d of details) {
    const parts = d.path.split(/[/.:[\]]+/).filter((p) => p !== '' && p !== 'body' && !/^\d+$/.test(p));
    const name = parts.find((p) => byName.has(p));
    const spec = name === undefined ? undefined : byName.get(name);
    const key = name ?? '';
    const text = spec === undefined ? genericDetail(d) : detailInWords(spec, d);
    out[key] = out[key] === undefined ? text : `${out[key]} ${text}`;
  }
  return out;
}

function genericDetail(d: ApiDetail): string {
  return `${d.path === '' || d.path === '/' ? 'The sample' : d.path}: expected ${d.expected}, got ${d.got}.`;
}

function detailInWords(spec: FeatureSpec, d: ApiDetail): string {
  const label = featureLabel(spec);
  if (/^a number [<>]=?/.test(d.expected) || /minimum|maximum/.test(d.expected)) {
    return `${label} must be ${rangeWords(spec)} (you entered ${d.got}).`;
  }
  if (/number/.test(d.expected)) return `${label} must be a number, or left empty if it was not measured.`;
  if (/a value/.test(d.expected)) return `${label} is required by the model: leave it empty to mark it missing.`;
  return `${label}: expected ${d.expected}, got ${d.got}.`;
}
