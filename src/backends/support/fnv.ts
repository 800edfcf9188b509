/**
 * FNV-1a, 32 bits: a fast, stable, dependency-free string hash. The demo
 * models and the built-in embeddings derive everything from it, so their
 * outputs never change between runs, machines or Node versions.
 */
const OFFSET_BASIS = 0x811c9dc5;
const PRIME = 0x01000193;

/** Hashes the UTF-16 code units of `text`; `seed` selects an independent hash family. */
export function fnv1a32(text: string, seed = 0): number {
  let hash = (OFFSET_BASIS ^ seed) >>> 0;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, PRIME);
  }
  return hash >>> 0;
}

/** A stable value in [0, 1) for `text`. */
export function unitHash(text: string, seed = 0): number {
  return fnv1a32(text, seed) / 4_294_967_296;
}
