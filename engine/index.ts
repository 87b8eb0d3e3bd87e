// The engine's public surface. Pure TypeScript: no vscode, no Node built-ins, no DOM.
export * from './pframe';
export * from './host';
export * from './swap';
export * from './world';
export * from './vmmem';
export * from './busmem';
export * from './populate';
export * from './hostmap';
export * from './rng';
export * from './sim/expr';
export * from './sim/program';
export * from './sim/runtime';
export * from './sim/context';
export * from './sim/scenario';
export * from './sim/builtins';
export * from './sim/invariants';
export * from './sim/session';
