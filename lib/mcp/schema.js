'use strict';
/**
 * Checks tool arguments against the subset of JSON Schema our tools declare: objects with
 * `properties`, `required` and `additionalProperties: false`; strings (with `enum`), integers
 * and numbers (with `minimum`/`maximum`), booleans, and arrays of those (`items`, `minItems`,
 * `maxItems`). Returns the first problem as a sentence, or null.
 */
function validate(value, schema, at = 'arguments') {
  switch (schema.type) {
    case 'object': {
      if (value === null || typeof value !== 'object' || Array.isArray(value)) return `${at} must be an object`;
      for (const k of schema.required ?? []) if (!Object.hasOwn(value, k)) return `${at}.${k} is required`;
      for (const [k, v] of Object.entries(value)) {
        const sub = schema.properties?.[k];
        if (!sub || !Object.hasOwn(schema.properties, k)) {
          if (schema.additionalProperties === false) return `${at}.${k} is not a known argument (known: ${Object.keys(schema.properties ?? {}).join(', ')})`;
          continue;
        }
        const p = validate(v, sub, `${at}.${k}`);
        if (p) return p;
      }
      return null;
    }
    case 'string':
      if (typeof value !== 'string') return `${at} must be a string`;
      if (schema.enum && !schema.enum.includes(value)) return `${at} must be one of ${schema.enum.join(', ')}`;
      if (schema.minLength !== undefined && value.length < schema.minLength) return `${at} must not be empty`;
      return null;
    case 'integer':
    case 'number':
      if (typeof value !== 'number' || !Number.isFinite(value)) return `${at} must be a number`;
      if (schema.type === 'integer' && !Number.isInteger(value)) return `${at} must be a whole number`;
      if (schema.minimum !== undefined && value < schema.minimum) return `${at} must be ≥ ${schema.minimum}`;
      if (schema.maximum !== undefined && value > schema.maximum) return `${at} must be ≤ ${schema.maximum}`;
      return null;
    case 'boolean':
      return typeof value === 'boolean' ? null : `${at} must be true or false`;
    case 'array': {
      if (!Array.isArray(value)) return `${at} must be an array`;
      if (schema.minItems !== undefined && value.length < schema.minItems) return `${at} needs at least ${schema.minItems} item(s)`;
      if (schema.maxItems !== undefined && value.length > schema.maxItems) return `${at} takes at most ${schema.maxItems} item(s)`;
      for (let i = 0; i < value.length; i++) {
        const p = validate(value[i], schema.items ?? {}, `${at}[${i}]`);
        if (p) return p;
      }
      return null;
    }
    default:
      return null;
  }
}

module.exports = { validate };
