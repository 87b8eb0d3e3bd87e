// The Debug Console and hovers: expressions over the paths the Variables view shows, plus the seed
// walks (BusMem_TranslateBPN, pframe, backmap). Knows no transport, editor or Node; changes no state.

import { type Expr, ExprError, type Frame, type Value, didYouMean, evalExpr, formatValue, parseExpr, PageType, quoted, shownValue } from '../engine/index';
import { type Inspector, type VNode, childNames, childOf, leaf } from './variables';

/** The Debug Console's functions, for completions and messages. */
export const CONSOLE_FUNCTIONS = ['BusMem_TranslateBPN', 'pframe', 'backmap', 'BPN_MAINMEM', 'vtop'] as const;
/** Roots the engine's own resolver knows beyond ours (conditions use them too). */
const ENGINE_ROOTS = ['resumeState', 'swapCopyState', 'srcVmx', 'dstVmx', 'memHandoff', 'cpt', 'helper', 'INVALID_MPN64'];

export interface EvalContext {
  insp: Inspector;
  frame: Frame | undefined;
  worldID: number;
}

/** The result of an expression: a row (expandable when it is a structure), or text. */
export function evaluate(source: string, ctx: EvalContext): VNode {
  const text = source.replace(/->/g, '.').trim();
  if (!text) throw new ExprError('nothing to evaluate (try fsr.resumeState, src.pages[0], BusMem_TranslateBPN(src, BPN_MAINMEM(5)) or backmap(0x100000))');
  const e = parseExpr(text);
  if (e.k === 'path') return resolvePath(e.root, e.parts.map((p) => (typeof p === 'string' ? p : index(p, ctx))), ctx, text);
  if (e.k === 'call' && e.fn === 'pframe') {
    if (e.args.length !== 2) throw new ExprError('pframe(world, pgNum) takes 2 arguments');
    const w = ctx.insp.s.worldRef(worldArg(e.args[0]!, ctx));
    const pg = evalExpr(e.args[1]!, resolver(ctx));
    if (typeof pg !== 'number' || !Number.isInteger(pg) || pg < 0 || pg >= w.pframes.numMainMemPages) {
      throw new ExprError(`pframe: pgNum ${shownValue(pg)} is outside 0..${w.pframes.numMainMemPages - 1}`);
    }
    return ctx.insp.pframeOf(w, pg, text);
  }
  const v = evalExpr(withWorldNames(e), resolver(ctx));
  if (typeof v === 'object' && v !== null) return ctx.insp.valueNode(text, v);
  return leaf(text, typeof v === 'string' ? v : formatValue(v), v);
}

/** World arguments may be written as src/dst/source/destination or a world ID. */
function worldArg(e: Expr, ctx: EvalContext): string | number {
  if (e.k === 'path' && e.parts.length === 0 && ['src', 'dst', 'source', 'destination'].includes(e.root)) return e.root;
  const v = evalExpr(e, resolver(ctx));
  if (typeof v === 'number' || typeof v === 'string') return v;
  throw new ExprError(`a world is src, dst or a world ID, not ${shownValue(v)}`);
}

/** `f(src, …)`: a bare src/dst as a world argument means that world, not its structure. */
function withWorldNames(e: Expr): Expr {
  if (e.k === 'call') {
    return { ...e, args: e.args.map((a, i) => (i === 0 && a.k === 'path' && a.parts.length === 0 && ['src', 'dst', 'source', 'destination'].includes(a.root) ? { k: 'lit', v: a.root } : withWorldNames(a))) };
  }
  if (e.k === 'bin') return { ...e, a: withWorldNames(e.a), b: withWorldNames(e.b) };
  if (e.k === 'un') return { ...e, e: withWorldNames(e.e) };
  return e;
}

function index(e: Expr, ctx: EvalContext): number {
  const v = evalExpr(e, resolver(ctx));
  if (typeof v !== 'number' || !Number.isSafeInteger(v)) throw new ExprError(`an index must be a whole number, got ${shownValue(v)}`);
  return v;
}

function rootNode(root: string, ctx: EvalContext): VNode {
  const { insp, frame } = ctx;
  // Names are data: a local is an own property of the frame's locals, a root a key of a Map.
  if (frame && Object.hasOwn(frame.locals, root)) return insp.valueNode(root, frame.locals[root]);
  const make = insp.roots().get(root);
  if (make) return make();
  // The engine's names (resumeState, srcVmx, memHandoff, PageType codes…): values shown as rows.
  const v = insp.s.resolver(frame, ctx.worldID).path(root, []);
  return insp.valueNode(root, v);
}

function resolvePath(root: string, parts: Array<string | number>, ctx: EvalContext, text: string): VNode {
  let node = rootNode(root, ctx);
  let at = root;
  for (const p of parts) {
    const next = childOf(node, p);
    if (!next) {
      const names = childNames(node);
      const range = node.kids?.indexed ? ` (indices 0..${node.kids.indexed.count - 1})` : '';
      throw new ExprError(`${at} has no ${typeof p === 'number' ? `element [${p}]` : `field ${quoted(p)}`}${names.length ? ` (fields: ${names.join(', ')})${didYouMean(String(p), names)}` : range || ' (it is a value, not a structure)'}`);
    }
    node = next;
    at += typeof p === 'number' || /^\[/.test(p) ? `[${p}]` : `.${p}`;
  }
  return { ...node, name: text };
}

/** Names and calls for expressions inside evaluate: paths give values; calls go to the session. */
function resolver(ctx: EvalContext) {
  return {
    path: (root: string, parts: Array<string | number>): Value => {
      const n = resolvePath(root, parts, ctx, root);
      if (n.raw === undefined && n.kids) throw new ExprError(`${root}${parts.map((p) => `.${p}`).join('')} is a structure; pick a field`);
      return n.raw;
    },
    call: (fn: string, args: Value[]): Value => ctx.insp.s.call(fn, args),
  };
}

/** Completions for the text before the cursor: roots, locals, functions, or the fields after a dot. */
export function completions(text: string, column: number, ctx: EvalContext): Array<{ label: string; type: string; start: number; length: number }> {
  const before = text.slice(0, Math.max(0, column)).replace(/->/g, '.');
  const partial = /[A-Za-z_$][\w$]*$/.exec(before)?.[0] ?? '';
  const start = before.length - partial.length;
  const dot = before.slice(0, start).endsWith('.');
  let labels: Array<{ label: string; type: string }>;
  if (dot) {
    const base = before.slice(0, start - 1);
    const pm = /([A-Za-z_$][\w$]*(?:(?:\.[A-Za-z_$][\w$]*)|(?:\[[^\]]*\]))*)$/.exec(base);
    if (!pm) return [];
    let node: VNode;
    try {
      node = evaluate(pm[1]!, ctx);
    } catch {
      return [];
    }
    labels = childNames(node).map((n) => ({ label: n, type: 'field' }));
  } else {
    labels = [
      ...Object.keys(ctx.frame?.locals ?? {}).map((n) => ({ label: n, type: 'variable' })),
      ...[...ctx.insp.roots().keys()].map((n) => ({ label: n, type: 'module' })),
      ...ENGINE_ROOTS.map((n) => ({ label: n, type: 'value' })),
      ...CONSOLE_FUNCTIONS.map((n) => ({ label: n, type: 'function' })),
      ...Object.keys(PageType).map((n) => ({ label: n, type: 'enum' })),
    ];
  }
  const seen = new Set<string>();
  return labels
    .filter((l) => l.label.startsWith(partial) && !seen.has(l.label) && seen.add(l.label))
    .map((l) => ({ ...l, start, length: partial.length }));
}
