// The engine's public surface. Pure TypeScript: no vscode, no Node built-ins, no DOM.
export * from './pframe';
export * from './host';
export * from './swap';
export * from './world';
export * from './vmmem';
export * from './busmem';
export * from './populate';
export * from './rng';
