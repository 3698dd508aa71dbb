// Zod → JSON Schema for the OpenAPI 3.1 document (whose schema dialect is JSON Schema 2020-12).
import { z } from 'zod';
import { zodToJsonSchema } from 'zod-to-json-schema';

export type JsonSchema = { [key: string]: unknown };

/**
 * JSON Schema of `schema` as a client sends it ('input': defaults make fields optional, transforms
 * show their input type) or as the server returns it ('output').
 */
export function toJsonSchema(schema: z.ZodTypeAny, io: 'input' | 'output' = 'output'): JsonSchema {
  const raw = zodToJsonSchema(schema, {
    target: 'jsonSchema7',
    $refStrategy: 'none',
    effectStrategy: 'input',
    pipeStrategy: io,
  }) as JsonSchema;
  delete raw['$schema'];
  return to2020(raw) as JsonSchema;
}

// Draft-07 tuples (`items: [a, b]`) are `prefixItems` in 2020-12; everything else we emit is shared.
function to2020(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(to2020);
  if (node === null || typeof node !== 'object') return node;
  const out: JsonSchema = {};
  for (const [k, v] of Object.entries(node)) out[k] = to2020(v);
  if (Array.isArray(out['items'])) {
    out['prefixItems'] = out['items'];
    delete out['items'];
    delete out['additionalItems'];
  }
  return out;
}

/** One OpenAPI parameter per key of a params/query object schema. */
export function toParameters(
  schema: z.AnyZodObject,
  where: 'path' | 'query',
): Array<{ name: string; in: string; required: boolean; description?: string; schema: JsonSchema }> {
  return Object.entries(schema.shape as Record<string, z.ZodTypeAny>).map(([name, prop]) => {
    const required = where === 'path' || !prop.isOptional();
    // An optional wrapper becomes `anyOf: [{not: {}}, T]` in JSON Schema; OpenAPI says it with `required`.
    const inner = prop instanceof z.ZodOptional ? (prop.unwrap() as z.ZodTypeAny) : prop;
    const description = prop.description ?? inner.description;
    return {
      name,
      in: where,
      required,
      ...(description === undefined ? {} : { description }),
      schema: toJsonSchema(inner, 'input'),
    };
  });
}
