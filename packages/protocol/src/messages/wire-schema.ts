/**
 * Building blocks for the wire messages' TypeBox schemas, and the one ajv instance that compiles
 * them. A message is declared once, as a schema; its TypeScript type is `Static<>` of that schema
 * and its validator is compiled from it, so the two cannot drift apart.
 */
import { Type, type Static, type TObject, type TSchema, type TUnsafe } from '@sinclair/typebox';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';

/**
 * Frames arrive from other hosts, so validation stops at the first error (collecting every error of
 * a hostile 4 MiB frame would cost memory per bad item); `verbose` keeps the failing value and its
 * schema for the error message; `discriminator` picks a tagged union's branch by its `type`.
 */
const ajv = new Ajv2020({ allErrors: false, verbose: true, strict: true, discriminator: true });

/** Compiles a message schema into a type guard (call once, at module load). */
export function compileWireSchema<T>(schema: TSchema): ValidateFunction<T> {
  return ajv.compile<T>(schema);
}

/** The longest string field accepted (ids, paths, the spec JSON); the frame limit bounds it anyway. */
export const MAX_STRING_LENGTH = 1_000_000;

/** A required identifier or text: at least one character. */
export const nonEmptyString = () => Type.String({ minLength: 1, maxLength: MAX_STRING_LENGTH });

/** A count, rank, id or size: a non-negative safe integer. */
export const count = () => Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER });

/** A TCP port number. */
export const port = () => Type.Integer({ minimum: 1, maximum: 65535 });

/** One of a fixed set of strings, as a JSON Schema enum (one clear error instead of one per branch). */
export const choice = <const T extends readonly string[]>(values: T) => Type.Unsafe<T[number]>({ type: 'string', enum: [...values] });

/** An array the receiver only reads: the same schema as `Type.Array`, typed `readonly T[]`. */
export const readonlyArray = <T extends TSchema>(items: T) => Type.Unsafe<readonly Static<T>[]>(Type.Array(items));

/** Exactly two items, e.g. an inclusive range (draft 2020-12 tuple). */
export const pair = <T extends TSchema>(item: T, description: string) =>
  Type.Unsafe<readonly [Static<T>, Static<T>]>({ type: 'array', prefixItems: [item, item], items: false, minItems: 2, description });

/**
 * A union of objects tagged by their `type` literal. Validation looks at `type` first and checks
 * only that branch, so an error names a field of the message it claims to be.
 */
export const taggedUnion = <T extends TObject[]>(members: [...T], description: string): TUnsafe<Static<T[number]>> =>
  Type.Unsafe<Static<T[number]>>({ type: 'object', oneOf: members, discriminator: { propertyName: 'type' }, description });
