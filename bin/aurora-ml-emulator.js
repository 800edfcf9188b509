#!/usr/bin/env node
import { existsSync } from 'node:fs';

// In a git checkout the TypeScript source sits next to this file: run it through
// tsx, so what you edit is what runs and a dist/ left by an earlier `npm pack`
// can never run stale code. The published package ships no src/, only the
// compiled dist/, which plain Node runs without tsx.
const source = new URL('../src/cli.ts', import.meta.url);
if (existsSync(source)) {
  const { register } = await import('tsx/esm/api');
  register();
  await import(source.href);
} else {
  await import('../dist/cli.js');
}
