#!/usr/bin/env node
// Runs the TypeScript entry point through tsx so users never need a build step.
import { register } from 'tsx/esm/api';

register();
await import('../src/cli.ts');
