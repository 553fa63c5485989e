export * from './labels.js';
export * from './types.js';
export * from './crds.js';
