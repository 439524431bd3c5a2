#!/usr/bin/env node
// Runs the TypeScript sources directly: tsx compiles each module on first load and caches the result.
import { register } from 'tsx/esm/api';

register();
await import('../src/cli/main.ts');
