/**
 * Wire schemas of the model catalogue (`GET /api/v1/models...`) and of the admin operations
 * (alias promotion/rollback, A/B routing with sticky keys and a shadow version).
 */
import { type Static, Type } from '@sinclair/typebox';

export const ModelVersionSummarySchema = Type.Object(
  {
    name: Type.String(),
    version: Type.Integer({ minimum: 1 }),
    aliases: Type.Array(Type.String()),
    createdAt: Type.Optional(Type.String()),
    metrics: Type.Record(Type.String(), Type.Number()),
  },
  { $id: 'ModelVersionSummary', additionalProperties: false },
);

export const ModelListSchema = Type.Object(
  {
    models: Type.Array(Type.Ref('ModelVersionSummary')),
    serving: Type.Union([
      Type.Object({ name: Type.String(), version: Type.Integer(), alias: Type.Optional(Type.String()) }),
      Type.Null(),
    ]),
  },
  { $id: 'ModelList', additionalProperties: false },
);

export const ModelVersionDetailSchema = Type.Object(
  {
    name: Type.String(),
    version: Type.Integer({ minimum: 1 }),
    aliases: Type.Array(Type.String()),
    createdAt: Type.Optional(Type.String()),
    metrics: Type.Record(Type.String(), Type.Number()),
    signature: Type.Unknown({ description: 'ModelSignature: features, units, bounds, guidelines.' }),
    card: Type.Record(Type.String(), Type.Unknown(), { description: 'Model card: intended use, data, limits.' }),
    checksum: Type.Optional(Type.String()),
  },
  { $id: 'ModelVersionDetail', additionalProperties: false },
);

export const ModelPathParamsSchema = Type.Object(
  { name: Type.String({ minLength: 1, maxLength: 200 }), version: Type.String({ pattern: '^[1-9][0-9]{0,8}$' }) },
  { additionalProperties: false },
);

export const AliasParamsSchema = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 200 }),
    alias: Type.String({ pattern: '^[a-z][a-z0-9_-]{0,63}$' }),
  },
  { additionalProperties: false },
);

export const AliasRequestSchema = Type.Object(
  {
    version: Type.Integer({ minimum: 1 }),
    reason: Type.String({ minLength: 1, maxLength: 500 }),
  },
  { $id: 'AliasRequest', additionalProperties: false },
);
export type AliasRequest = Static<typeof AliasRequestSchema>;

export const AliasResponseSchema = Type.Object(
  {
    name: Type.String(),
    alias: Type.String(),
    version: Type.Integer(),
    previous: Type.Union([Type.Integer(), Type.Null()]),
    serving: Type.Boolean({ description: 'Whether this server now serves the version (alias it follows).' }),
  },
  { $id: 'AliasResponse', additionalProperties: false },
);

export const RoutingSchema = Type.Object(
  {
    variants: Type.Array(
      Type.Object(
        { version: Type.Integer({ minimum: 1 }), weight: Type.Number({ minimum: 0, maximum: 1000 }) },
        { additionalProperties: false },
      ),
      { maxItems: 8, description: 'A/B variants; empty = everything goes to the served alias.' },
    ),
    stickyKey: Type.Optional(
      Type.String({ minLength: 1, maxLength: 64, description: 'Sample field whose value pins a unit to a variant.' }),
    ),
    shadowVersion: Type.Optional(Type.Union([Type.Integer({ minimum: 1 }), Type.Null()])),
  },
  { $id: 'Routing', additionalProperties: false },
);
export type Routing = Static<typeof RoutingSchema>;
