/**
 * Wire schemas of the read-only operations endpoints the web app's dashboard uses: the traffic
 * and outcome summary (`/api/v1/ops/summary`), recent predictions (`/api/v1/ops/predictions`)
 * and a model alias's audit trail (`/api/v1/models/{name}/aliases/{alias}/history`).
 */
import { type Static, Type } from '@sinclair/typebox';

export const OpsSummaryQuerySchema = Type.Object(
  {
    hours: Type.Optional(
      Type.String({ pattern: '^[1-9][0-9]{0,3}$', description: 'Window length in hours (default 24, ≤ 9999).' }),
    ),
    bucketMinutes: Type.Optional(
      Type.String({ pattern: '^[1-9][0-9]{0,4}$', description: 'Verdict-mix bucket size in minutes (default 60).' }),
    ),
  },
  { additionalProperties: false },
);

const Percentiles = Type.Object(
  {
    count: Type.Integer({ minimum: 0 }),
    p50Ms: Type.Union([Type.Number(), Type.Null()]),
    p95Ms: Type.Union([Type.Number(), Type.Null()]),
    p99Ms: Type.Union([Type.Number(), Type.Null()]),
  },
  {
    additionalProperties: false,
    description: 'Estimated from the Prometheus histogram (bucket interpolation), since start.',
  },
);

export const OpsSummarySchema = Type.Object(
  {
    model: Type.String(),
    since: Type.String(),
    bucketMs: Type.Integer(),
    serving: Type.Union([Type.Object({ version: Type.Integer(), alias: Type.Optional(Type.String()) }), Type.Null()]),
    traffic: Type.Array(
      Type.Object(
        { version: Type.Integer(), route: Type.String(), count: Type.Integer() },
        { additionalProperties: false },
      ),
    ),
    verdicts: Type.Array(
      Type.Object(
        { bucket: Type.String(), version: Type.Integer(), verdict: Type.String(), count: Type.Integer() },
        { additionalProperties: false },
      ),
    ),
    latency: Type.Record(Type.String(), Percentiles, { description: 'Per route: predict, batch.' }),
    feedback: Type.Object(
      {
        count: Type.Integer(),
        byVersion: Type.Array(
          Type.Object(
            {
              version: Type.Integer(),
              route: Type.String(),
              n: Type.Integer(),
              tp: Type.Integer(),
              fp: Type.Integer(),
              tn: Type.Integer(),
              fn: Type.Integer(),
              accuracy: Type.Union([Type.Number(), Type.Null()]),
            },
            { additionalProperties: false },
          ),
        ),
      },
      { additionalProperties: false },
    ),
  },
  { $id: 'OpsSummary', additionalProperties: false },
);
export type OpsSummary = Static<typeof OpsSummarySchema>;

export const OpsPredictionsQuerySchema = Type.Object(
  {
    limit: Type.Optional(
      Type.String({ pattern: '^[1-9][0-9]{0,2}$', description: 'How many, newest first (1–500, default 50).' }),
    ),
  },
  { additionalProperties: false },
);

export const OpsPredictionsSchema = Type.Object(
  {
    predictions: Type.Array(
      Type.Object(
        {
          id: Type.String(),
          ts: Type.String(),
          version: Type.Integer(),
          route: Type.String(),
          verdict: Type.String(),
          probability: Type.Number(),
          latencyMs: Type.Number(),
          inputs: Type.Record(Type.String(), Type.Unknown()),
          feedback: Type.Union([Type.Integer({ minimum: 0, maximum: 1 }), Type.Null()]),
        },
        { additionalProperties: false },
      ),
    ),
  },
  { $id: 'OpsPredictions', additionalProperties: false },
);
export type OpsPredictions = Static<typeof OpsPredictionsSchema>;

export const ArtifactParamsSchema = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 200 }),
    version: Type.String({ pattern: '^[1-9][0-9]{0,8}$' }),
    artifact: Type.String({
      pattern: '^[A-Za-z0-9][A-Za-z0-9._-]{0,199}$',
      description: 'e.g. evaluation.json, roc.svg, model-card.md',
    }),
  },
  { additionalProperties: false },
);

export const AliasHistorySchema = Type.Object(
  {
    name: Type.String(),
    alias: Type.String(),
    events: Type.Array(
      Type.Object(
        {
          id: Type.Integer(),
          from: Type.Union([Type.Integer(), Type.Null()]),
          to: Type.Union([Type.Integer(), Type.Null()]),
          actor: Type.String(),
          reason: Type.String(),
          at: Type.String(),
          metrics: Type.Record(Type.String(), Type.Number()),
        },
        { additionalProperties: false },
      ),
    ),
  },
  { $id: 'AliasHistory', additionalProperties: false },
);
export type AliasHistory = Static<typeof AliasHistorySchema>;
