// The fake Aodh lives in ./aodh/; this path is what cloud.ts and tests import.
export * from './aodh/index.ts';
