/**
 * Wire schemas of `POST /api/v1/predict`. The request schema is not static: it is built from
 * the serving model's `ModelSignature` (features, bounds, passthrough fields) when a model is
 * loaded, so validation, the TypeScript shape and the OpenAPI document all follow the model.
 * The response carries the verdict, the explanation in model space and in probability space,
 * and a separate rule-based guideline block that is explicitly not the model's verdict.
 */
import { type Static, type TSchema, Type } from '@sinclair/typebox';
import type { ModelSignature } from '../signature.js';

/** One sample: every feature present (`null` = missing), passthrough fields optional, nothing else. */
export function sampleSchema(signature: ModelSignature): TSchema {
  const props: Record<string, TSchema> = {};
  for (const f of signature.features) {
    // A type list (not anyOf) keeps validation errors to one per field; bounds apply to numbers only.
    const num: Record<string, unknown> = { type: ['number', 'null'] };
    const words = [f.description, f.unit].filter((w) => w !== undefined && w !== '').join(' — ');
    if (words !== '') num.description = words;
    if (f.min !== undefined) num.minimum = f.min;
    if (f.max !== undefined) num.maximum = f.max;
    props[f.name] = Type.Unsafe<number | null>(num);
  }
  for (const p of signature.passthrough ?? []) {
    if (props[p] === undefined) {
      props[p] = Type.Optional(Type.Unsafe<string | number>({ type: ['string', 'number'], maxLength: 200 }));
    }
  }
  return Type.Object(props, { additionalProperties: false, title: `${signature.schema.name} sample` });
}

/** Body of `POST /predict`: one sample or a non-empty array of at most `maxRows` samples. */
export function predictRequestSchema(signature: ModelSignature, maxRows: number): TSchema {
  const one = sampleSchema(signature);
  return Type.Union([one, Type.Array(one, { minItems: 1, maxItems: maxRows })], { $id: 'PredictRequest' });
}

export const ContributionSchema = Type.Object(
  {
    feature: Type.String(),
    value: Type.Union([Type.Number(), Type.Null()]),
    phi: Type.Number({ description: 'Additive contribution in the explanation space (model space).' }),
    probability: Type.Number({
      description: 'Approximate contribution in probability: phi scaled so the sum equals p - p_base.',
    }),
  },
  { additionalProperties: false },
);

export const ExplanationSchema = Type.Object(
  {
    space: Type.Union([Type.Literal('log-odds'), Type.Literal('probability')]),
    base: Type.Number({ description: 'Expected model output over the reference data, in `space`.' }),
    baseProbability: Type.Number(),
    contributions: Type.Array(ContributionSchema),
    reasons: Type.Array(Type.String(), { description: 'Largest contributions, in plain words.' }),
  },
  { additionalProperties: false },
);

export const GuidelineFlagSchema = Type.Object(
  {
    feature: Type.String(),
    value: Type.Number(),
    unit: Type.Optional(Type.String()),
    source: Type.String(),
    min: Type.Optional(Type.Number()),
    max: Type.Optional(Type.Number()),
    status: Type.Union([Type.Literal('ok'), Type.Literal('exceeds'), Type.Literal('below')]),
    healthBased: Type.Boolean(),
    note: Type.String(),
  },
  { additionalProperties: false },
);
export type GuidelineFlag = Static<typeof GuidelineFlagSchema>;

export const ModelRefSchema = Type.Object(
  {
    name: Type.String(),
    version: Type.Integer(),
    alias: Type.Optional(Type.String()),
  },
  { additionalProperties: false },
);

export const PredictionSchema = Type.Object(
  {
    predictionId: Type.String({ format: 'uuid' }),
    verdict: Type.String(),
    probability: Type.Number({ minimum: 0, maximum: 1 }),
    threshold: Type.Number(),
    model: ModelRefSchema,
    route: Type.String({ description: '`default`, or `ab:<version>` when A/B routing assigned the sample.' }),
    missing: Type.Array(Type.String(), { description: 'Features given as null.' }),
    // Absent only when the request asked for `?explain=false` (see the route's description).
    explanation: Type.Optional(ExplanationSchema),
    guidelines: Type.Object(
      {
        note: Type.String(),
        flags: Type.Array(GuidelineFlagSchema),
      },
      {
        additionalProperties: false,
        description: 'Rule-based comparison with guideline values; NOT the model verdict.',
      },
    ),
  },
  { $id: 'Prediction', additionalProperties: false },
);
export type Prediction = Static<typeof PredictionSchema>;

export const PredictResponseSchema = Type.Object(
  { predictions: Type.Array(Type.Ref('Prediction')) },
  { $id: 'PredictResponse', additionalProperties: false },
);
export type PredictResponse = { predictions: Prediction[] };
