/**
 * Wire shape of every API error: a catalogue code, a message, an optional fix hint, field-level
 * details and the request id that ties the answer to the server logs. One TypeBox schema gives
 * the validator, the TypeScript type and the OpenAPI component.
 */
import { type Static, Type } from '@sinclair/typebox';

export const ErrorDetailSchema = Type.Object(
  {
    path: Type.String({ description: 'Where: a JSON pointer into the body, a header or a parameter name.' }),
    expected: Type.String({ description: 'What was expected, in words.' }),
    got: Type.String({ description: 'What was found, in words.' }),
  },
  { $id: 'ErrorDetail', additionalProperties: false },
);
export type ErrorDetailBody = Static<typeof ErrorDetailSchema>;

export const ErrorBodySchema = Type.Object(
  {
    code: Type.String({ pattern: '^AQUAOPS_E_[A-Z0-9_]+$', description: 'Catalogue code (stable).' }),
    message: Type.String(),
    hint: Type.Optional(Type.String({ description: 'How to fix it.' })),
    details: Type.Array(Type.Ref('ErrorDetail')),
    requestId: Type.String({ description: 'Echoed in the x-request-id header and the server logs.' }),
  },
  { $id: 'ErrorBody', additionalProperties: false },
);
export type ErrorBody = Static<typeof ErrorBodySchema>;
