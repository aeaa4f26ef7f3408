/**
 * Open Inference Protocol (KServe V2) JSON shapes: health, model metadata, inference request and
 * response. Tensors are FP64 either one per feature (shape [N] or [N,1]) or one [N, F] tensor.
 */
import { type Static, Type } from '@sinclair/typebox';

const NestedNumbers = Type.Array(
  Type.Union([Type.Number(), Type.Null(), Type.Array(Type.Union([Type.Number(), Type.Null()]))]),
);

export const V2TensorSchema = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 200 }),
    shape: Type.Array(Type.Integer({ minimum: 0 }), { minItems: 1, maxItems: 2 }),
    datatype: Type.Union([Type.Literal('FP64'), Type.Literal('FP32')]),
    parameters: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
    data: NestedNumbers,
  },
  { additionalProperties: false },
);

export const V2InferRequestSchema = Type.Object(
  {
    id: Type.Optional(Type.String({ maxLength: 200 })),
    parameters: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
    inputs: Type.Array(V2TensorSchema, { minItems: 1, maxItems: 64 }),
    outputs: Type.Optional(
      Type.Array(
        Type.Object(
          { name: Type.String(), parameters: Type.Optional(Type.Record(Type.String(), Type.Unknown())) },
          { additionalProperties: false },
        ),
        { maxItems: 8 },
      ),
    ),
  },
  { $id: 'V2InferRequest', additionalProperties: false },
);
export type V2InferRequest = Static<typeof V2InferRequestSchema>;

export const V2OutputTensorSchema = Type.Object({
  name: Type.String(),
  shape: Type.Array(Type.Integer()),
  datatype: Type.String(),
  data: Type.Array(Type.Union([Type.Number(), Type.String()])),
});

export const V2InferResponseSchema = Type.Object(
  {
    model_name: Type.String(),
    model_version: Type.Optional(Type.String()),
    id: Type.Optional(Type.String()),
    parameters: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
    outputs: Type.Array(V2OutputTensorSchema),
  },
  { $id: 'V2InferResponse' },
);
export type V2InferResponse = Static<typeof V2InferResponseSchema>;

const TensorMeta = Type.Object({ name: Type.String(), datatype: Type.String(), shape: Type.Array(Type.Integer()) });

export const V2ModelMetadataSchema = Type.Object(
  {
    name: Type.String(),
    versions: Type.Array(Type.String()),
    platform: Type.String(),
    inputs: Type.Array(TensorMeta),
    outputs: Type.Array(TensorMeta),
  },
  { $id: 'V2ModelMetadata' },
);
export type V2ModelMetadata = Static<typeof V2ModelMetadataSchema>;

export const V2ReadySchema = Type.Object({ name: Type.Optional(Type.String()), ready: Type.Boolean() });
export const V2LiveSchema = Type.Object({ live: Type.Boolean() });
export const V2ErrorSchema = Type.Object(
  { error: Type.String(), code: Type.String(), requestId: Type.String() },
  { $id: 'V2Error' },
);
