export * from './labels.js';
export * from './types.js';
export * from './crds.js';
export * from './schema-check.js';
