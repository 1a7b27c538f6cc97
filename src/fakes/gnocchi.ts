// The fake Gnocchi lives in ./gnocchi/; this path is what cloud.ts and tests import.
export * from './gnocchi/index.ts';
