import { describe, expect, it } from 'vitest';
import type { FeatureSpec } from '../api/types.js';
import { buildSample, featureLabel, fieldErrorsFromApi, guidelineText, parseField, rangeText } from './form.js';

const PH: FeatureSpec = {
  name: 'ph',
  type: 'number',
  unit: 'pH',
  min: 0,
  max: 14,
  guidelines: [{ source: 'US EPA', min: 6.5, max: 8.5, healthBased: false, note: 'secondary' }],
};
const TURB: FeatureSpec = {
  name: 'Turbidity',
  type: 'number',
  unit: 'NTU',
  min: 0,
  max: 100,
  guidelines: [{ source: 'WHO', max: 5, healthBased: false, note: 'acceptability' }],
};
const OC: FeatureSpec = { name: 'Organic_carbon', type: 'number', unit: 'mg/L', min: 0 };

describe('parseField', () => {
  it('treats empty as missing, not zero', () => {
    expect(parseField(PH, '  ')).toEqual({ value: null });
  });
  it('accepts decimals, a decimal comma and exponents', () => {
    expect(parseField(PH, '7.25').value).toBe(7.25);
    expect(parseField(PH, '7,5').value).toBe(7.5);
    expect(parseField(TURB, '1e1').value).toBe(10);
  });
  it('rejects words with a hint and out-of-range values with the range in words', () => {
    expect(parseField(PH, 'abc').error).toMatch(/Enter a number \(e\.g\. 7\.5\), or leave it empty/);
    expect(parseField(OC, 'x').error).toMatch(/e\.g\. 7\.2/);
    expect(parseField(PH, '15').error).toBe('pH must be between 0 and 14; 15 is not a possible reading.');
    expect(parseField(OC, '-1').error).toMatch(/Organic carbon must be at least 0 mg\/L/);
  });
});

describe('thousands separators', () => {
  it('refuses "21,000" instead of reading it as 21', () => {
    expect(parseField(TURB, '21,000')).toEqual({
      value: null,
      error: 'Write the number without thousands separators (e.g. 21000), or use a point for decimals.',
    });
    expect(parseField(TURB, '21,5').value).toBe(21.5);
  });
});

describe('labels and hints', () => {
  it('builds human labels from any feature name', () => {
    expect(featureLabel(PH)).toBe('pH');
    expect(featureLabel(OC)).toBe('Organic carbon');
    expect(featureLabel({ name: 'totalDissolvedSolids' })).toBe('Total dissolved solids');
  });
  it('states ranges and guidelines with units', () => {
    expect(rangeText(TURB)).toBe('0–100 NTU');
    expect(rangeText(OC)).toBe('at least 0 mg/L');
    expect(guidelineText(TURB.guidelines![0]!, TURB)).toBe('WHO: ≤ 5 NTU');
    expect(guidelineText(PH.guidelines![0]!, PH)).toBe('US EPA: 6.5–8.5');
  });
});

describe('buildSample', () => {
  it('sends every feature, null for empty and invalid ones, and reports the invalid', () => {
    const r = buildSample([PH, TURB, OC], { ph: '7', Turbidity: 'x' });
    expect(r.sample).toEqual({ ph: 7, Turbidity: null, Organic_carbon: null });
    expect(Object.keys(r.errors)).toEqual(['Turbidity']);
  });
});

describe('fieldErrorsFromApi', () => {
  it('maps the server details (JSON pointers, batch rows) onto fields in plain words', () => {
    const out = fieldErrorsFromApi(
      [
        { path: '/ph', expected: 'a number <= 14', got: '15' },
        { path: '/0/Turbidity', expected: 'number or null', got: 'a string "high"' },
        {
          path: '/colour',
          expected: 'no such field (see the model signature: GET /api/v1/models)',
          got: 'an unknown field',
        },
      ],
      [PH, TURB],
    );
    expect(out.ph).toBe('pH must be between 0 and 14 (you entered 15).');
    expect(out.Turbidity).toBe('Turbidity must be a number, or left empty if it was not measured.');
    expect(out['']).toMatch(/^\/colour: expected no such field/);
  });
});
