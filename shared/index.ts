export * from './domain.js';
export * from './errors.js';
export * from './state.js';
export * from './commands.js';
