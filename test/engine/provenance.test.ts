// Seed fact or model, on every line: each statement of the listing either traces to the text of a
// source deck (its quote is found there) or is marked model; functions the decks name are not marked
// model, functions they do not name are; and the listing shows the marks the header explains.

import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { LISTING, MODEL_MARK, codeOf } from '../../engine/index';

const ROOT = new URL('../..', import.meta.url).pathname;

/** The decks' text: FSR_SEEDS, else ../shared/seeds beside the project, else /work/shared/seeds. */
function seedsDir(): string {
  const dirs = [process.env.FSR_SEEDS, join(ROOT, '..', 'shared', 'seeds'), '/work/shared/seeds'].filter((d): d is string => !!d);
  const dir = dirs.find((d) => existsSync(d));
  if (!dir) throw new Error(`the source decks are not found (tried ${dirs.join(', ')}); set FSR_SEEDS to their folder`);
  return dir;
}

/** Whitespace-insensitive, a trailing `;` or `{` aside. */
const norm = (s: string): string => s.replace(/\s+/g, ' ').replace(/\s*[;{]\s*$/, '').trim();

const decks = norm(readdirSync(seedsDir()).filter((f) => f.endsWith('.txt')).map((f) => readFileSync(join(seedsDir(), f), 'utf8')).join('\n'));

describe('provenance', () => {
  it('every statement traces to a deck or is marked model', () => {
    const missing: string[] = [];
    let seeds = 0;
    let models = 0;
    for (const p of LISTING.provenance) {
      if (p.from.kind === 'model') {
        models++;
        continue;
      }
      seeds++;
      if (!decks.includes(norm(p.from.quote))) missing.push(`line ${p.line} (${p.fn}): "${p.from.quote}"`);
    }
    assert.deepEqual(missing, [], 'quotes not found in the decks');
    assert.ok(seeds > 60 && models > 60, `${seeds} seed lines, ${models} model lines`);
  });

  it('a function is marked model exactly when the decks do not name it', () => {
    const aliases = new Map([['Alloc_BPNToMainMemPage', 'Alloc_BPNTToMainMemPage']]);
    const wrong: string[] = [];
    for (const [name, fn] of LISTING.fns) {
      const named = new RegExp(`\\b${name}\\b`).test(decks) || new RegExp(`\\b${aliases.get(name) ?? '^$'}\\b`).test(decks);
      if (named && fn.model) wrong.push(`${name} is in the decks but marked model`);
      if (!named && !fn.model) wrong.push(`${name} is not in the decks but not marked model`);
    }
    assert.deepEqual(wrong, []);
  });

  it('the listing marks each model line on the line itself, and the header says what the marks mean', () => {
    const lines = LISTING.text.split('\n');
    for (const p of LISTING.provenance) {
      const text = lines[p.line - 1]!;
      assert.equal(text.includes(MODEL_MARK), p.from.kind === 'model', `line ${p.line}: ${text}`);
      if (p.from.kind === 'model') assert.ok(!codeOf(p.text).includes('//'), `line ${p.line}: the model mark is the line's last comment`);
    }
    const header = lines.slice(0, 15).join('\n');
    assert.match(header, /\/\/ model: why/);
    assert.match(header, /\/\/ deck:/);
    assert.match(header, /label:/);
  });

  it('names the decks\' own inconsistencies where the listing keeps their text', () => {
    const t = LISTING.text;
    assert.match(t, /deck: writes \*dirIndex, but dirIndex is not among PFrame_Lookup's parameters/);
    assert.match(t, /deck: PFrame_DirSet is called here with 3 arguments, and on the source with 4/);
    assert.match(t, /deck: srcWorld is not a parameter of VmMemMigrateAddPageDirToDest/);
    assert.match(t, /deck: the slide glosses this as pframe ← \(void\*\)\(dirMPN \+ DIRECT_MAP_VADDR\), which adds a page number to an/);
    assert.match(t, /\(low \+ high\) << 32 in C \(wrong whenever indexLowBits\n.*is not 0, small MPNs too\)/);
    assert.match(t, /^cancel:$/m, 'the goto label before the cancel is printed');
    assert.match(t, /^fail:$/m, 'and the one before the fail path');
  });

  it('opens each part with a banner naming the deck and its slides, in the decks\' order', () => {
    const banners = [...LISTING.text.matchAll(/^\/\/ =+\n\/\/ (.*)\n/gm)].map((m) => m[1]!);
    assert.deepEqual(banners.map((b) => /^(seed \d+|model)/.exec(b)![1]), ['seed 000', 'seed 000', 'seed 000', 'seed 000', 'seed 002', 'seed 002', 'model']);
    assert.match(LISTING.text, /slide: RestorePhase/);
    assert.match(LISTING.text, /slide: FSRTransferSwapState/);
  });
});
