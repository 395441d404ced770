import { Type, type TSchema, type TObject, type TProperties, type TString } from '@sinclair/typebox';

/** RFC 9457 problem details, as every error response is rendered. */
export const Problem = Type.Object(
  {
    type: Type.String(),
    title: Type.String(),
    status: Type.Integer(),
    code: Type.String({ description: 'Stable machine-readable error code' }),
    detail: Type.Optional(Type.String()),
    instance: Type.Optional(Type.String()),
    request_id: Type.Optional(Type.String()),
    errors: Type.Optional(Type.Array(Type.Object({ path: Type.String(), message: Type.String() }))),
    details: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
  },
  { $id: 'Problem', additionalProperties: true },
);

/** A strict object: unknown fields are rejected, never silently dropped. */
export function Strict<T extends TProperties>(props: T, opts: { description?: string } = {}): TObject<T> {
  return Type.Object(props, { additionalProperties: false, ...opts });
}

export const Id = (prefix: string): TString => Type.String({ pattern: `^${prefix}_[0-9a-z_]{1,64}$`, maxLength: 80 });
export const Code = Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9][A-Za-z0-9._/-]*$' });
export const Name = Type.String({ minLength: 1, maxLength: 200 });
export const Qty = Type.Integer({ minimum: 1, maximum: 1_000_000_000 });
export const Limit = Type.Integer({ minimum: 1, maximum: 500, default: 50 });
export const Cursor = Type.String({ maxLength: 200 });

export const Address = Strict({
  line1: Type.String({ minLength: 1, maxLength: 200 }),
  line2: Type.Optional(Type.String({ maxLength: 200 })),
  city: Type.String({ minLength: 1, maxLength: 100 }),
  state: Type.Optional(Type.String({ maxLength: 100 })),
  postal_code: Type.String({ minLength: 1, maxLength: 20 }),
  country: Type.String({ pattern: '^[A-Z]{2}$', description: 'ISO 3166-1 alpha-2' }),
});

export const Page = <T extends TSchema>(item: T) => Type.Object({ data: Type.Array(item), next_cursor: Type.Union([Type.String(), Type.Null()]) });
