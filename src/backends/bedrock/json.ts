/**
 * JSON request bodies as read-only values, and field readers that reject a
 * bad field with Bedrock's schema-validator wording ("#/max_tokens: ...").
 */
import { malformedInput } from './limits.ts';

export type JsonValue = null | boolean | number | string | readonly JsonValue[] | JsonObject;
export type JsonObject = { readonly [key: string]: JsonValue };

export function isJsonObject(value: JsonValue | undefined): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function parseJsonObject(text: string): JsonObject {
  let value: JsonValue;
  try {
    value = JSON.parse(text) as JsonValue;
  } catch {
    throw malformedInput('the request body is not valid JSON');
  }
  if (!isJsonObject(value)) throw malformedInput(`#: expected type: JSONObject, found: ${typeName(value)}`);
  return value;
}

export function requiredString(obj: JsonObject, key: string, at = '#'): string {
  const value = obj[key];
  if (value === undefined) throw malformedInput(`${at}: required key [${key}] not found`);
  return expectString(value, `${at}/${key}`);
}

export function optionalString(obj: JsonObject, key: string, at = '#'): string | undefined {
  const value = obj[key];
  return value === undefined || value === null ? undefined : expectString(value, `${at}/${key}`);
}

export function requiredInt(obj: JsonObject, key: string, min: number, at = '#'): number {
  const value = obj[key];
  if (value === undefined) throw malformedInput(`${at}: required key [${key}] not found`);
  return expectInt(value, min, `${at}/${key}`);
}

export function optionalInt(obj: JsonObject, key: string, min: number, at = '#'): number | undefined {
  const value = obj[key];
  return value === undefined || value === null ? undefined : expectInt(value, min, `${at}/${key}`);
}

export function optionalBoolean(obj: JsonObject, key: string, at = '#'): boolean | undefined {
  const value = obj[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'boolean') throw malformedInput(`${at}/${key}: expected type: Boolean, found: ${typeName(value)}`);
  return value;
}

export function optionalObject(obj: JsonObject, key: string, at = '#'): JsonObject | undefined {
  const value = obj[key];
  if (value === undefined || value === null) return undefined;
  if (!isJsonObject(value)) throw malformedInput(`${at}/${key}: expected type: JSONObject, found: ${typeName(value)}`);
  return value;
}

export function requiredArray(obj: JsonObject, key: string, at = '#'): readonly JsonValue[] {
  const value = obj[key];
  if (value === undefined) throw malformedInput(`${at}: required key [${key}] not found`);
  if (!Array.isArray(value)) throw malformedInput(`${at}/${key}: expected type: JSONArray, found: ${typeName(value)}`);
  return value as readonly JsonValue[];
}

/** A string or an array of strings (stop sequences are given both ways). */
export function optionalStrings(obj: JsonObject, key: string, at = '#'): string[] {
  const value = obj[key];
  if (value === undefined || value === null) return [];
  if (typeof value === 'string') return [value];
  if (!Array.isArray(value)) throw malformedInput(`${at}/${key}: expected type: JSONArray, found: ${typeName(value)}`);
  return (value as readonly JsonValue[]).map((v, i) => expectString(v, `${at}/${key}/${i}`));
}

export function expectString(value: JsonValue, at: string): string {
  if (typeof value !== 'string') throw malformedInput(`${at}: expected type: String, found: ${typeName(value)}`);
  return value;
}

function expectInt(value: JsonValue, min: number, at: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value)) {
    throw malformedInput(`${at}: expected type: Integer, found: ${typeName(value)}`);
  }
  if (value < min) throw malformedInput(`${at}: ${value} is not greater or equal to ${min}`);
  return value;
}

function typeName(value: JsonValue): string {
  if (value === null) return 'Null';
  if (Array.isArray(value)) return 'JSONArray';
  switch (typeof value) {
    case 'string':
      return 'String';
    case 'number':
      return Number.isInteger(value) ? 'Integer' : 'BigDecimal';
    case 'boolean':
      return 'Boolean';
    default:
      return 'JSONObject';
  }
}
