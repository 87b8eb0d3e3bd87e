// A small, safe expression language for breakpoint conditions, logpoints, watches and the Debug
// Console: C-like operators over numbers, strings and booleans, dotted/indexed paths and calls.
// Parsed here, evaluated against a resolver the caller supplies; never uses eval or Function.

export type Value = number | string | boolean | null | Value[] | { [k: string]: Value } | undefined;

export type Expr =
  | { k: 'lit'; v: Value }
  | { k: 'path'; root: string; parts: Array<string | Expr> }
  | { k: 'call'; fn: string; args: Expr[] }
  | { k: 'un'; op: string; e: Expr }
  | { k: 'bin'; op: string; a: Expr; b: Expr };

import { hexNumber } from '../pframe';

export class ExprError extends Error {}

/** The longest expression accepted (a condition or a console line; anything longer is a paste gone wrong). */
export const MAX_EXPR_LENGTH = 10_000;
/** The deepest nesting accepted: parentheses, operators, calls and indexes (each evaluation step recurses once per level). */
export const MAX_EXPR_DEPTH = 100;
/** How much of a text a message echoes. */
const ECHO = 60;

/** Text as a message shows it: quoted, at most ECHO characters of it. */
export function quoted(text: string): string {
  const chars = [...text];
  return JSON.stringify(chars.length > ECHO ? chars.slice(0, ECHO).join('') + '…' : text);
}

type Tok = { t: 'num'; v: number; at: number } | { t: 'str'; v: string; at: number } | { t: 'id'; v: string; at: number } | { t: 'op'; v: string; at: number } | { t: 'end'; at: number };

const OPS = ['>>>', '===', '!==', '<<', '>>', '<=', '>=', '==', '!=', '&&', '||', '+', '-', '*', '/', '%', '<', '>', '&', '|', '^', '!', '~', '(', ')', '[', ']', '.', ','];
const NUM = /0x[0-9a-fA-F]+|0b[01]+|\d+(\.\d+)?/y;
const ID = /[A-Za-z_$][\w$]*/y;

function tokenize(src: string): Tok[] {
  if (src.length > MAX_EXPR_LENGTH) throw new ExprError(`the expression is ${src.length} characters long; at most ${MAX_EXPR_LENGTH} are accepted (it starts ${quoted(src)})`);
  const out: Tok[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i]!;
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    NUM.lastIndex = i;
    const num = NUM.exec(src);
    if (num) {
      const text = num[0];
      out.push({ t: 'num', v: text.startsWith('0b') ? parseInt(text.slice(2), 2) : Number(text), at: i });
      i += text.length;
      continue;
    }
    ID.lastIndex = i;
    const id = ID.exec(src);
    if (id) {
      out.push({ t: 'id', v: id[0], at: i });
      i += id[0].length;
      continue;
    }
    if (c === '"' || c === "'") {
      let j = i + 1;
      let s = '';
      while (j < src.length && src[j] !== c) {
        if (src[j] === '\\' && j + 1 < src.length) j++;
        s += src[j];
        j++;
      }
      if (j >= src.length) throw new ExprError(`unterminated string starting at column ${i + 1} of ${quoted(src)}`);
      out.push({ t: 'str', v: s, at: i });
      i = j + 1;
      continue;
    }
    const op = OPS.find((o) => src.startsWith(o, i));
    if (!op) throw new ExprError(`unexpected character ${JSON.stringify(c)} at column ${i + 1} of ${quoted(src)}`);
    out.push({ t: 'op', v: op, at: i });
    i += op.length;
  }
  out.push({ t: 'end', at: src.length });
  return out;
}

const BINARY: ReadonlyMap<string, number> = new Map([
  ['||', 1], ['&&', 2], ['|', 3], ['^', 4], ['&', 5], ['==', 6], ['!=', 6], ['===', 6], ['!==', 6],
  ['<', 7], ['<=', 7], ['>', 7], ['>=', 7], ['<<', 8], ['>>', 8], ['>>>', 8], ['+', 9], ['-', 9], ['*', 10], ['/', 10], ['%', 10],
]);

/** Parse an expression; throws ExprError saying where it went wrong (and echoing at most the start of it). */
export function parseExpr(src: string): Expr {
  const toks = tokenize(src);
  let p = 0;
  const peek = () => toks[p]!;
  const isOp = (v: string) => peek().t === 'op' && (peek() as { v: string }).v === v;
  const where = (t: Tok) => `at column ${t.at + 1} of ${quoted(src)}`;
  const expect = (v: string) => {
    if (!isOp(v)) throw new ExprError(`expected '${v}' ${where(peek())}`);
    p++;
  };
  /** Nodes are built with their depth; deeper than MAX_EXPR_DEPTH is refused before anything recurses that far. */
  const depthOf = new WeakMap<Expr, number>();
  const node = <E extends Expr>(e: E, at: Tok, ...kids: Expr[]): E => {
    const d = 1 + kids.reduce((m, k) => Math.max(m, depthOf.get(k) ?? 1), 0);
    if (d > MAX_EXPR_DEPTH) throw new ExprError(`the expression is more than ${MAX_EXPR_DEPTH} levels deep (nested parentheses, operators, calls or indexes; ${where(at)})`);
    depthOf.set(e, d);
    return e;
  };
  let nesting = 0;
  const enter = (t: Tok) => {
    if (++nesting > MAX_EXPR_DEPTH) throw new ExprError(`the expression is more than ${MAX_EXPR_DEPTH} levels deep (nested parentheses, operators, calls or indexes; ${where(t)})`);
  };
  function primary(): Expr {
    const t = toks[p++]!;
    if (t.t === 'num') return { k: 'lit', v: t.v };
    if (t.t === 'str') return { k: 'lit', v: t.v };
    enter(t);
    try {
      if (t.t === 'op' && t.v === '(') {
        const e = binary(0);
        expect(')');
        return node({ ...e }, t, e);
      }
      if (t.t === 'op' && (t.v === '!' || t.v === '-' || t.v === '~')) {
        const e = primary();
        return node({ k: 'un', op: t.v, e }, t, e);
      }
      if (t.t === 'id') {
        if (t.v === 'true' || t.v === 'TRUE') return { k: 'lit', v: true };
        if (t.v === 'false' || t.v === 'FALSE') return { k: 'lit', v: false };
        if (t.v === 'null' || t.v === 'NULL') return { k: 'lit', v: null };
        if (isOp('(')) {
          p++;
          const args: Expr[] = [];
          if (!isOp(')')) {
            do args.push(binary(0));
            while (isOp(',') && ++p);
          }
          expect(')');
          return node({ k: 'call', fn: t.v, args }, t, ...args);
        }
        const parts: Array<string | Expr> = [];
        for (;;) {
          if (isOp('.')) {
            p++;
            const n = toks[p++]!;
            if (n.t !== 'id' && n.t !== 'num') throw new ExprError(`expected a field name after '.' ${where(n)}`);
            parts.push(String(n.v));
          } else if (isOp('[')) {
            p++;
            parts.push(binary(0));
            expect(']');
          } else break;
        }
        return node({ k: 'path', root: t.v, parts }, t, ...parts.filter((x): x is Expr => typeof x !== 'string'));
      }
      throw new ExprError(t.t === 'end' ? `unexpected end of ${quoted(src)}` : `unexpected '${(t as { v: unknown }).v}' ${where(t)}`);
    } finally {
      nesting--;
    }
  }
  function binary(minPrec: number): Expr {
    let a = primary();
    for (;;) {
      const t = peek();
      if (t.t !== 'op') break;
      const prec = BINARY.get(t.v);
      if (prec === undefined || prec <= minPrec) break;
      p++;
      enter(t);
      try {
        const b = binary(prec);
        a = node({ k: 'bin', op: t.v, a, b }, t, a, b);
      } finally {
        nesting--;
      }
    }
    return a;
  }
  const e = binary(0);
  if (peek().t !== 'end') throw new ExprError(`unexpected '${(peek() as { v: unknown }).v}' after the end of an expression ${where(peek())}`);
  return e;
}

/** How names and calls are looked up. */
export interface Resolver {
  /** The value at `root.parts…`, or throw ExprError naming what is unknown. */
  path(root: string, parts: Array<string | number>): Value;
  call?(fn: string, args: Value[]): Value;
}

/** A value as a message shows it: JSON, at most ECHO characters. */
export function shownValue(v: Value): string {
  const j = v === undefined ? 'undefined' : JSON.stringify(v);
  return j.length > ECHO ? `${j.slice(0, ECHO)}…` : j;
}

function num(v: Value, what: string): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'boolean') return v ? 1 : 0;
  throw new ExprError(`${what} needs a number, got ${shownValue(v)}`);
}

function looseEq(a: Value, b: Value): boolean {
  if (typeof a === 'boolean' || typeof b === 'boolean') return Number(a) === Number(b) || a === b;
  return a === b;
}

export function evalExpr(e: Expr, r: Resolver): Value {
  switch (e.k) {
    case 'lit':
      return e.v;
    case 'path':
      return r.path(e.root, e.parts.map((x) => (typeof x === 'string' ? x : (evalExpr(x, r) as number))));
    case 'call':
      if (!r.call) throw new ExprError(`calls are not allowed here (${e.fn})`);
      return r.call(e.fn, e.args.map((a) => evalExpr(a, r)));
    case 'un': {
      const v = evalExpr(e.e, r);
      if (e.op === '!') return !truthy(v);
      if (e.op === '-') return -num(v, "'-'");
      return ~num(v, "'~'");
    }
    case 'bin': {
      if (e.op === '&&') return truthy(evalExpr(e.a, r)) && truthy(evalExpr(e.b, r));
      if (e.op === '||') return truthy(evalExpr(e.a, r)) || truthy(evalExpr(e.b, r));
      const a = evalExpr(e.a, r);
      const b = evalExpr(e.b, r);
      switch (e.op) {
        case '==': case '===': return looseEq(a, b);
        case '!=': case '!==': return !looseEq(a, b);
        case '+': return typeof a === 'string' || typeof b === 'string' ? String(a) + String(b) : num(a, "'+'") + num(b, "'+'");
        case '<': return num(a, "'<'") < num(b, "'<'");
        case '<=': return num(a, "'<='") <= num(b, "'<='");
        case '>': return num(a, "'>'") > num(b, "'>'");
        case '>=': return num(a, "'>='") >= num(b, "'>='");
        case '-': return num(a, "'-'") - num(b, "'-'");
        case '*': return num(a, "'*'") * num(b, "'*'");
        case '/': return num(a, "'/'") / num(b, "'/'");
        case '%': return num(a, "'%'") % num(b, "'%'");
        // Bitwise operators on values up to 2^53 (MPNs are 38 bits): exact, unlike JS's int32 ops.
        case '&': return bitop(num(a, "'&'"), num(b, "'&'"), (x, y) => x & y);
        case '|': return bitop(num(a, "'|'"), num(b, "'|'"), (x, y) => x | y);
        case '^': return bitop(num(a, "'^'"), num(b, "'^'"), (x, y) => x ^ y);
        case '<<': return num(a, "'<<'") * 2 ** num(b, "'<<'");
        case '>>': case '>>>': return Math.floor(num(a, "'>>'") / 2 ** num(b, "'>>'"));
      }
      throw new ExprError(`unknown operator ${e.op}`);
    }
  }
}

function bitop(a: number, b: number, f: (x: number, y: number) => number): number {
  const hi = f(Math.floor(a / 4294967296) >>> 0, Math.floor(b / 4294967296) >>> 0) >>> 0;
  const lo = f(a >>> 0, b >>> 0) >>> 0;
  return hi * 4294967296 + lo;
}

export function truthy(v: Value): boolean {
  return !(v === false || v === 0 || v === null || v === undefined || v === '');
}

/** `{expr}` pieces of a logpoint message, evaluated; errors show inline instead of failing. */
/** A name (or a path's last part) that holds an index — a page number, a directory or page index, a swap slot: shown in hex, as Variables names its rows. */
export const INDEX_NAME = /(^|\.)(pgNum|dirIndex|pageIndex|slot)$/;

export function interpolate(template: string, r: Resolver): string {
  return template.replace(/\{([^}]+)\}/g, (_m, src: string) => {
    try {
      const v = evalExpr(parseExpr(src), r);
      if (typeof v === 'number' && Number.isInteger(v) && INDEX_NAME.test(src.trim())) return hexNumber(v);
      return formatValue(v);
    } catch (err) {
      return `<${(err as Error).message}>`;
    }
  });
}

export function formatValue(v: Value): string {
  if (typeof v === 'number') return Number.isInteger(v) && Math.abs(v) > 0xffff ? hexNumber(v) : String(v);
  if (typeof v === 'string') return v;
  return JSON.stringify(v);
}
