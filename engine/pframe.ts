// The 64-bit PFrame of seed 002 (`PFrameUnmappedInVMX`), bit-exact, as two little-endian uint32
// words: `lo` holds bits 0–31 (flags, type, indexHighBits, extra, pinCount), `hi` bits 32–63
// (indexLowBits). Pure arithmetic on numbers: no BigInt, no allocation on the hot helpers.

/** Page types (the 4-bit `type` field). *model:* the codes are ours; the names follow DESIGN.md §2. */
export const PageType = {
  NONE: 0,
  REGULAR: 1,
  COW: 2,
  SWAP_OUT: 3,
  SWAPPED: 4,
  SWAP_IN: 5,
  ZIPPED: 6,
  BALLOONED: 7,
  REMOTE: 8,
} as const;
/**
 * The type codes the hot loops test, as a const enum: a bundler writes its numbers into the code,
 * whereas a module's `const` becomes a variable that an optimized loop reloads and cannot fold
 * (measured: about 8% of the handoff's per-page loop). A unit test pins it to PageType.
 */
export const enum TypeCode {
  REGULAR = 1,
  COW = 2,
  SWAPPED = 4,
  ZIPPED = 6,
}
export type PageTypeName = keyof typeof PageType;
export type PageTypeCode = (typeof PageType)[PageTypeName];

const TYPE_NAMES: string[] = [];
for (const [name, code] of Object.entries(PageType)) TYPE_NAMES[code] = name;

/** The name of a type code; codes 9–15 are not used by the model and show as `TYPE_<n>`. */
export function pageTypeName(code: number): string {
  return TYPE_NAMES[code] ?? `TYPE_${code}`;
}

/** MPNs are at most 38 bits: 6 high bits in the PFrame plus 32 low bits. */
export const MPN_BITS = 38;
export const MAX_MPN = 2 ** MPN_BITS - 1;
/** `INVALID_MPN64` — all ones in C; -1 here, shown as 0xffffffffffffffff. */
export const INVALID_MPN64 = -1;
const TWO_32 = 4294967296;

/** Which member of the `extra` union a type uses. *model:* SWAP_OUT uses `swapped`, BALLOONED `pshared`. */
export type ExtraUnion = 'zipped' | 'swapped' | 'swapin' | 'pshared' | 'regular' | 'common';

/** The two named bits (or the one 2-bit field) of each `extra` union member, in bit order 14, 15. */
export const EXTRA_FIELDS: Record<ExtraUnion, readonly [string] | readonly [string, string]> = {
  zipped: ['zipBlock'],
  swapped: ['vmkSwapped', 'unused'],
  swapin: ['vmkSwapped', 'unused'],
  pshared: ['isBallooned', 'isAppBallooned'],
  regular: ['isCownint', 'isBackedByLPage'],
  common: ['flags'],
};

export function extraUnionFor(type: number): ExtraUnion {
  switch (type) {
    case PageType.ZIPPED: return 'zipped';
    case PageType.SWAPPED:
    case PageType.SWAP_OUT: return 'swapped';
    case PageType.SWAP_IN: return 'swapin';
    case PageType.COW:
    case PageType.BALLOONED: return 'pshared';
    case PageType.REGULAR: return 'regular';
    default: return 'common';
  }
}

/** What the index of a PFrame names, by type (DESIGN.md §2 *model*). */
export function indexMeaning(type: number): 'MPN' | 'swap slot' | 'zip cache MPN' | 'none' {
  switch (type) {
    case PageType.REGULAR:
    case PageType.COW:
    case PageType.SWAP_OUT: return 'MPN';
    case PageType.SWAPPED:
    case PageType.SWAP_IN: return 'swap slot';
    case PageType.ZIPPED: return 'zip cache MPN';
    default: return 'none';
  }
}

/**
 * One field of the layout: name, first bit, width, and its declaration in the deck's struct. The table
 * the codec, the tests and the UI share.
 */
export interface BitField {
  readonly name: string;
  readonly bit: number;
  readonly width: number;
  /** The C type the deck declares it with (`uint64`, `uint16`, …); `extra` is the union. */
  readonly ctype: string;
}

/**
 * The layout in bit order. The deck's `extra` union covers bits 8–15: every member begins with
 * `indexHighBits : 6` (bits 8–13) and ends with two bits of its own (14–15). The codec keeps those as
 * a flat `indexHighBits` (a convenience) and `extra`, the raw bits 14–15.
 */
export const PFRAME_LAYOUT: readonly BitField[] = [
  { name: 'isMappedInVMX', bit: 0, width: 1, ctype: 'uint64' },
  { name: 'isCptBusy', bit: 1, width: 1, ctype: 'uint64' },
  { name: 'isCptDone', bit: 2, width: 1, ctype: 'uint64' },
  { name: 'isExposedToVMM', bit: 3, width: 1, ctype: 'uint16' },
  { name: 'type', bit: 4, width: 4, ctype: 'uint64' },
  { name: 'indexHighBits', bit: 8, width: 6, ctype: 'uint8' },
  { name: 'extra', bit: 14, width: 2, ctype: 'union' },
  { name: 'pinCount', bit: 16, width: 14, ctype: 'uint16' },
  { name: 'isInvalGoingOn', bit: 30, width: 1, ctype: 'uint16' },
  { name: 'isNotAtMigDest', bit: 31, width: 1, ctype: 'uint16' },
  { name: 'indexLowBits', bit: 32, width: 32, ctype: 'uint32' },
];

/** What a reader of the layout must be told about a field: the deck's own oddities. */
export const PFRAME_LAYOUT_NOTES: Readonly<Record<string, string>> = {
  isMappedInVMX: 'bit 0 chooses the union member: 0 PFrameUnmappedInVMX (the layout shown), 1 PFrameMappedInVMX',
  isExposedToVMM: 'the deck declares `uint16 isExposedToVMM : 1` among uint64 bitfields; the struct is __packed__, so it still takes bit 3',
  indexHighBits:
    'a convenience: the deck declares it inside the union, as extra.<member>.indexHighBits (bits 8–13); the slide\'s f->indexHighBits would not compile',
  extra: 'the union of six 8-bit members, chosen by type, over bits 8–15: each begins with indexHighBits : 6, then two bits of its own',
};

/** The model's note on a PFrame with isMappedInVMX = 1 (the decks name the member, not its fields). */
export const MAPPED_IN_VMX_NOTE =
  'PFrameMappedInVMX: isMappedInVMX = 1. The decks declare this member of the PFrame union but not its fields: beyond bit 0 the layout shown is the model\'s (the unmapped layout, kept)';

/** The union member a PFrame's words are in: bit 0. */
export function pframeForm(lo: number): 'PFrameUnmappedInVMX' | 'PFrameMappedInVMX' {
  return lo & 1 ? 'PFrameMappedInVMX' : 'PFrameUnmappedInVMX';
}

/** One field of an `extra` union member as the deck declares it: `uint8 name : width` at bits `bits`. */
export interface ExtraMemberField {
  name: string;
  width: number;
  bits: string;
  value: number;
}

/**
 * The `extra` member a PFrame's type selects, as declared: `indexHighBits : 6` (bits 8–13), then the
 * member's two bits (14, 15) or its one 2-bit field (14–15). `path` is the declared access path.
 */
export function extraMember(lo: number): { union: ExtraUnion; path: string; fields: ExtraMemberField[] } {
  const union = extraUnionFor(pfType(lo));
  const names = EXTRA_FIELDS[union];
  const raw = (lo >>> 14) & 3;
  const fields: ExtraMemberField[] = [{ name: 'indexHighBits', width: 6, bits: '8–13', value: pfIndexHighBits(lo) }];
  if (names.length === 1) fields.push({ name: names[0], width: 2, bits: '14–15', value: raw });
  else fields.push({ name: names[0], width: 1, bits: '14', value: raw & 1 }, { name: names[1]!, width: 1, bits: '15', value: raw >>> 1 });
  return { union, path: `extra.${union}`, fields };
}

/** One way to compute a PFrame's MPN, what it gives for this PFrame, and whether that is wrong. */
export interface MpnFormula {
  /** The expression as written (C). */
  expr: string;
  /** Where it comes from. */
  source: string;
  /** What it gives for this PFrame (hex; 64-bit arithmetic for the C ones). */
  value: string;
  wrong: boolean;
  /** Why it is wrong (in general, and whether it is for this PFrame). */
  why: string;
}

/**
 * The right MPN (`PFrame_GetMPN`, as the struct declares the fields) beside the slides' two wrong
 * forms, each with what it gives for this PFrame: one slide reads `indexLowBits` alone (wrong for every
 * MPN ≥ 2^32), another writes `f->indexLowBits + f->indexHighBits << 32`, which C parses as
 * `(low + high) << 32` (wrong whenever indexLowBits is not 0: every nonzero MPN below 2^32, and all
 * above it but the multiples of 2^32).
 */
export function mpnFormulas(lo: number, hi: number): MpnFormula[] {
  const member = extraUnionFor(pfType(lo));
  const right = pfIndex(lo, hi);
  const low = slideMPNLowBitsOnly(lo, hi);
  const prec = slideMPNCPrecedence(lo, hi);
  const precWrong = prec !== BigInt(right);
  return [
    { expr: `extra.${member}.indexHighBits << 32 | indexLowBits`, source: 'PFrame_GetMPN (the deck: MPN = indexHighBits << 32 | indexLowBits)', value: mpnHex(right), wrong: false, why: 'right' },
    {
      expr: 'f->unmappedInVMX.indexLowBits',
      source: 'a slide (BPN → MPN walk)',
      value: hexNumber(low),
      wrong: low !== right,
      why: low !== right ? 'wrong: it drops indexHighBits' : 'the same here only because indexHighBits is 0; wrong for every MPN ≥ 2^32',
    },
    {
      expr: 'f->indexLowBits + f->indexHighBits << 32',
      source: 'a slide (PFrame_GetMPN)',
      value: '0x' + prec.toString(16),
      wrong: precWrong,
      why: precWrong ? 'wrong: C parses it as (indexLowBits + indexHighBits) << 32' : 'the same here only because indexLowBits is 0; C parses it as (indexLowBits + indexHighBits) << 32, wrong whenever indexLowBits is not 0',
    },
  ];
}

/** A decoded PFrame: every field by its seed name; `extra` is the raw bits 14–15. */
export interface PFrameFields {
  isMappedInVMX: number;
  isCptBusy: number;
  isCptDone: number;
  isExposedToVMM: number;
  type: number;
  indexHighBits: number;
  extra: number;
  pinCount: number;
  isInvalGoingOn: number;
  isNotAtMigDest: number;
  indexLowBits: number;
}

// ---- hot helpers on the two words -------------------------------------------------------------

export function pfType(lo: number): number {
  return (lo >>> 4) & 0xf;
}
export function pfIndexHighBits(lo: number): number {
  return (lo >>> 8) & 0x3f;
}
/** `PFrame_GetIndex`: `indexHighBits << 32 | indexLowBits`, exact up to 38 bits. */
export function pfIndex(lo: number, hi: number): number {
  return ((lo >>> 8) & 0x3f) * TWO_32 + (hi >>> 0);
}
/** The `lo` word for a fresh PFrame of `type` whose index is `index`, with raw `extra` bits. */
export function pfMakeLo(type: number, index: number, extra = 0): number {
  return ((type << 4) | ((Math.floor(index / TWO_32) & 0x3f) << 8) | ((extra & 3) << 14)) >>> 0;
}
/** The `hi` word (indexLowBits) for `index`. */
export function pfMakeHi(index: number): number {
  return index >>> 0;
}
/** True for the types whose index is an MPN the page owns or shares (COW, REGULAR, SWAP_OUT). */
export function pfHasMPN(type: number): boolean {
  return type === PageType.REGULAR || type === PageType.COW || type === PageType.SWAP_OUT;
}
/** `PFrame_GetMPN` on words: the MPN for COW, REGULAR and SWAP_OUT, else INVALID_MPN64. */
export function pfGetMPN(lo: number, hi: number): number {
  return pfHasMPN(pfType(lo)) ? pfIndex(lo, hi) : INVALID_MPN64;
}
/** Replace type and index, keep every other field (pinCount, flags, extra). */
export function pfWithTypeIndex(lo: number, type: number, index: number): number {
  return ((lo & ~0x3ff0) | (type << 4) | ((Math.floor(index / TWO_32) & 0x3f) << 8)) >>> 0;
}

// ---- full codec -------------------------------------------------------------------------------

function checkField(name: string, value: number, width: number): void {
  if (!Number.isInteger(value) || value < 0 || value >= 2 ** width) {
    throw new RangeError(`PFrame field ${name} must be an integer in 0..${2 ** width - 1}, got ${value}`);
  }
}

/** Decode the two words into every field. */
export function decodePFrame(lo: number, hi: number): PFrameFields {
  return {
    isMappedInVMX: lo & 1,
    isCptBusy: (lo >>> 1) & 1,
    isCptDone: (lo >>> 2) & 1,
    isExposedToVMM: (lo >>> 3) & 1,
    type: (lo >>> 4) & 0xf,
    indexHighBits: (lo >>> 8) & 0x3f,
    extra: (lo >>> 14) & 3,
    pinCount: (lo >>> 16) & 0x3fff,
    isInvalGoingOn: (lo >>> 30) & 1,
    isNotAtMigDest: lo >>> 31,
    indexLowBits: hi >>> 0,
  };
}

/** Encode every field into the two words; a field out of its range throws a RangeError naming it. */
export function encodePFrame(f: PFrameFields): { lo: number; hi: number } {
  for (const { name, width } of PFRAME_LAYOUT) checkField(name, f[name as keyof PFrameFields], width);
  const lo =
    f.isMappedInVMX |
    (f.isCptBusy << 1) |
    (f.isCptDone << 2) |
    (f.isExposedToVMM << 3) |
    (f.type << 4) |
    (f.indexHighBits << 8) |
    (f.extra << 14) |
    (f.pinCount << 16) |
    (f.isInvalGoingOn << 30) |
    (f.isNotAtMigDest << 31);
  return { lo: lo >>> 0, hi: f.indexLowBits >>> 0 };
}

/** The `extra` union member a type selects, with its named fields decoded from the raw bits. */
export function decodeExtra(type: number, extra: number): { union: ExtraUnion; fields: Record<string, number> } {
  const union = extraUnionFor(type);
  const names = EXTRA_FIELDS[union];
  const fields: Record<string, number> =
    names.length === 1 ? { [names[0]]: extra & 3 } : { [names[0]]: extra & 1, [names[1]!]: (extra >>> 1) & 1 };
  return { union, fields };
}

/** The raw `extra` bits from the named fields of a union member (the inverse of decodeExtra). */
export function encodeExtra(union: ExtraUnion, fields: Record<string, number>): number {
  const names = EXTRA_FIELDS[union];
  if (names.length === 1) {
    const v = fields[names[0]] ?? 0;
    checkField(`extra.${union}.${names[0]}`, v, 2);
    return v;
  }
  const a = fields[names[0]] ?? 0;
  const b = fields[names[1]!] ?? 0;
  checkField(`extra.${union}.${names[0]}`, a, 1);
  checkField(`extra.${union}.${names[1]}`, b, 1);
  return a | (b << 1);
}

/** The full 64-bit `pte` as a 16-digit hex string (for display; not on hot paths). */
export function pteHex(lo: number, hi: number): string {
  return '0x' + (hi >>> 0).toString(16).padStart(8, '0') + (lo >>> 0).toString(16).padStart(8, '0');
}

/** A number in hex as C prints it: `0x…`, the sign in front of a negative one (`-0x10`), never `0x-…`. */
export function hexNumber(n: number): string {
  return n < 0 ? '-0x' + (-n).toString(16) : '0x' + n.toString(16);
}

/** An MPN in hex, INVALID_MPN64 as all ones. */
export function mpnHex(mpn: number): string {
  return mpn === INVALID_MPN64 ? '0xffffffffffffffff' : hexNumber(mpn);
}

// ---- the two slide variants, kept to show why they are wrong ----------------------------------

/** Slide variant 1: `mpn ← f->unmappedInVMX.indexLowBits` — drops indexHighBits. */
export function slideMPNLowBitsOnly(_lo: number, hi: number): number {
  return hi >>> 0;
}

/**
 * Slide variant 2: `f->indexLowBits + f->indexHighBits << 32`. In C, `+` binds tighter than `<<`,
 * so this is `(low + high) << 32` on a uint64: the result, modulo 2^64, as a bigint (test-only).
 */
export function slideMPNCPrecedence(lo: number, hi: number): bigint {
  const low = BigInt(hi >>> 0);
  const high = BigInt(pfIndexHighBits(lo));
  return ((low + high) << 32n) & 0xffffffffffffffffn;
}
