// What the adapter advertises in its initialize response, and which DAP request each capability
// gates, so a request the adapter does not advertise is refused instead of answered with nothing. No Node.

import type { DebugProtocol } from '@vscode/debugprotocol';

export const EXCEPTION_FILTERS: DebugProtocol.ExceptionBreakpointsFilter[] = [
  { filter: 'fail', label: 'FAIL paths', description: 'Stop where a seed function takes a FAIL path (returns an error status).', default: true },
  { filter: 'panic', label: 'Panic after the point of no return', description: 'Stop when a failure after World_SetPanicNoCore panics the VM.', default: true },
  { filter: 'invariant', label: 'Invariant break', description: 'Stop when a "nothing lost" invariant breaks (also after an edit from the debugger).', default: true },
];

/** The capabilities this adapter has: the one place a request is offered. */
export const CAPABILITIES: DebugProtocol.Capabilities = {
  supportsConfigurationDoneRequest: true,
  supportsFunctionBreakpoints: true,
  supportsConditionalBreakpoints: true,
  supportsHitConditionalBreakpoints: true,
  supportsLogPoints: true,
  supportsEvaluateForHovers: true,
  supportsStepBack: true,
  supportsSetVariable: true,
  supportsCompletionsRequest: true,
  completionTriggerCharacters: ['.', '>'],
  supportsExceptionInfoRequest: true,
  supportsDataBreakpoints: true,
  supportsReadMemoryRequest: true,
  supportsWriteMemoryRequest: true,
  supportsBreakpointLocationsRequest: true,
  supportsLoadedSourcesRequest: true,
  supportsTerminateRequest: true,
  supportsDelayedStackTraceLoading: true,
  supportsGotoTargetsRequest: true,
  exceptionBreakpointFilters: EXCEPTION_FILTERS,
};

/** The capability that gates each request, as the Debug Adapter Protocol specifies it. */
export const REQUEST_CAPABILITY: ReadonlyMap<string, keyof DebugProtocol.Capabilities> = new Map<string, keyof DebugProtocol.Capabilities>([
  ['configurationDone', 'supportsConfigurationDoneRequest'],
  ['setFunctionBreakpoints', 'supportsFunctionBreakpoints'],
  ['stepBack', 'supportsStepBack'],
  ['reverseContinue', 'supportsStepBack'],
  ['restartFrame', 'supportsRestartFrame'],
  ['goto', 'supportsGotoTargetsRequest'],
  ['gotoTargets', 'supportsGotoTargetsRequest'],
  ['stepInTargets', 'supportsStepInTargetsRequest'],
  ['completions', 'supportsCompletionsRequest'],
  ['modules', 'supportsModulesRequest'],
  ['restart', 'supportsRestartRequest'],
  ['setVariable', 'supportsSetVariable'],
  ['setExpression', 'supportsSetExpression'],
  ['exceptionInfo', 'supportsExceptionInfoRequest'],
  ['loadedSources', 'supportsLoadedSourcesRequest'],
  ['terminateThreads', 'supportsTerminateThreadsRequest'],
  ['terminate', 'supportsTerminateRequest'],
  ['dataBreakpointInfo', 'supportsDataBreakpoints'],
  ['setDataBreakpoints', 'supportsDataBreakpoints'],
  ['readMemory', 'supportsReadMemoryRequest'],
  ['writeMemory', 'supportsWriteMemoryRequest'],
  ['disassemble', 'supportsDisassembleRequest'],
  ['cancel', 'supportsCancelRequest'],
  ['breakpointLocations', 'supportsBreakpointLocationsRequest'],
  ['setInstructionBreakpoints', 'supportsInstructionBreakpoints'],
]);

/** Why `command` is refused (a request whose capability is not advertised), or null. */
export function refusal(command: string, caps: DebugProtocol.Capabilities = CAPABILITIES): string | null {
  const cap = REQUEST_CAPABILITY.get(command);
  if (cap === undefined || caps[cap] === true) return null;
  return `"${command}" is not supported by this adapter (it does not advertise ${cap})`;
}

/** Every request the protocol defines (for "did you mean" on an unknown one). */
export const DAP_REQUESTS = [
  'initialize', 'launch', 'attach', 'disconnect', 'terminate', 'restart', 'setBreakpoints', 'setFunctionBreakpoints', 'setExceptionBreakpoints',
  'configurationDone', 'continue', 'next', 'stepIn', 'stepOut', 'stepBack', 'reverseContinue', 'restartFrame', 'goto', 'pause', 'stackTrace',
  'scopes', 'variables', 'setVariable', 'setExpression', 'source', 'threads', 'terminateThreads', 'evaluate', 'stepInTargets', 'gotoTargets',
  'completions', 'exceptionInfo', 'loadedSources', 'dataBreakpointInfo', 'setDataBreakpoints', 'readMemory', 'writeMemory', 'disassemble',
  'cancel', 'breakpointLocations', 'setInstructionBreakpoints', 'modules', 'locations',
] as const;
