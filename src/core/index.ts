export * from './errors.ts';
export * from './clock.ts';
export * from './encoding.ts';
export * from './logger.ts';
export * from './events.ts';
export * from './atomic-file.ts';
export * from './random.ts';
export * from './backoff.ts';
