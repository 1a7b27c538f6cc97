// The fake Keystone lives in ./keystone/; this path is what cloud.ts and tests import.
export * from './keystone/index.ts';
