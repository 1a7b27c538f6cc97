#!/usr/bin/env node
// Entry point of the `vmha` command: runs the TypeScript sources through tsx's loader
// (a runtime dependency), so what runs is exactly what the tests ran.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../src/cli/main.ts');
await main();
