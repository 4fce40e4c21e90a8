// The repository's shape as rules a change cannot break unnoticed: the import graph of the sources
// has no cycle, only tests reach into test/, and a long source file says why it is long.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const SOURCE_DIRS = ['shared', 'worker', 'relay', 'sim', 'testkit', 'bench', 'scripts', 'test'];
const LONG_FILE_LINES = 300;

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(join(ROOT, dir))) {
    const path = join(dir, name);
    if (name === 'node_modules' || name === 'fixtures') continue;
    if (statSync(join(ROOT, path)).isDirectory()) out.push(...sourceFiles(path));
    else if (/\.(ts|mts|mjs)$/.test(name) && !name.endsWith('.d.ts')) out.push(path);
  }
  return out;
}

const files = SOURCE_DIRS.flatMap(sourceFiles);
const known = new Set(files);

/** Relative imports of a file (value and type imports alike: a type cycle is a design cycle too). */
function importsOf(file: string): string[] {
  const text = readFileSync(join(ROOT, file), 'utf8');
  const specs = [...text.matchAll(/(?:^|\n)\s*(?:import|export)\s[^'"]*?from\s+'(\.[^']+)'/g), ...text.matchAll(/import\('(\.[^']+)'\)/g)].map((m) => m[1] ?? '');
  return specs.map((spec) => {
    const target = normalize(join(dirname(file), spec)).replace(/\.js$/, '');
    return [`${target}.ts`, `${target}/index.ts`, target].find((c) => known.has(c)) ?? target;
  });
}

const graph = new Map(files.map((f) => [f, importsOf(f).filter((t) => known.has(t))]));

function findCycle(): string[] | null {
  const state = new Map<string, 'visiting' | 'done'>();
  const stack: string[] = [];
  const visit = (f: string): string[] | null => {
    state.set(f, 'visiting');
    stack.push(f);
    for (const t of graph.get(f) ?? []) {
      if (state.get(t) === 'visiting') return [...stack.slice(stack.indexOf(t)), t];
      if (state.get(t) === undefined) {
        const found = visit(t);
        if (found !== null) return found;
      }
    }
    stack.pop();
    state.set(f, 'done');
    return null;
  };
  for (const f of files) {
    if (state.get(f) !== undefined) continue;
    const found = visit(f);
    if (found !== null) return found;
  }
  return null;
}

describe('the repository', () => {
  it('has source files to check', () => {
    expect(files.length).toBeGreaterThan(100);
  });

  it('has an import graph without cycles', () => {
    expect(findCycle()).toBeNull();
  });

  it('lets only tests import from test/', () => {
    const offenders = files
      .filter((f) => !f.startsWith('test/'))
      .flatMap((f) => importsOf(f).filter((t) => t.startsWith('test/')).map((t) => `${f} → ${t}`));
    expect(offenders).toEqual([]);
  });

  it('says why in every source file longer than 300 lines', () => {
    const unexplained = files
      .filter((f) => !f.startsWith('test/'))
      .filter((f) => readFileSync(join(ROOT, f), 'utf8').split('\n').length > LONG_FILE_LINES)
      .filter((f) => !/Longer than 300 lines/.test(readFileSync(join(ROOT, f), 'utf8')));
    expect(unexplained.map((f) => relative(ROOT, join(ROOT, f)))).toEqual([]);
  });
});
