export * from './bars.js';
export * from './events.js';
export * from './funding.js';
export * from './gaps.js';
export * from './indicators/index.js';
export * from './regime.js';
export * from './resample.js';
export * from './timeframe.js';
