/**
 * The docs stay readable and the generators stay in their sections: a generator writes only
 * between its markers (tools/doc-section.ts) and no script writes a hand-written file whole; the
 * README and the architecture notes keep to their length; every relative link resolves.
 */
import { describe, it, expect } from 'vitest';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { mdMarkers, replaceSection, writeSection } from '../tools/doc-section.js';
import { ROOT, tempDir } from './helpers.js';

const read = (p: string) => readFileSync(join(ROOT, p), 'utf8');
const words = (text: string) => text.split(/\s+/).filter(Boolean).length;

function sources(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && /\.(ts|mjs)$/.test(e.name))
    .map((e) => relative(ROOT, join(e.parentPath, e.name)));
}

describe('generated sections', () => {
  const m = mdMarkers('results');

  it('replaces only what lies between the markers', () => {
    const text = `# Card\n\nhand-written\n\n${m.begin}\nold table\n${m.end}\n\nmore hand-written\n`;
    const out = replaceSection(text, m, '| new | table |');
    expect(out).toBe(`# Card\n\nhand-written\n\n${m.begin}\n| new | table |\n${m.end}\n\nmore hand-written\n`);
    expect(replaceSection(out, m, '| new | table |')).toBe(out);
  });

  it('refuses a file without its markers, or with two pairs, and leaves it as it was', () => {
    const tmp = tempDir();
    try {
      const file = join(tmp.dir, 'MODEL.md');
      writeFileSync(file, '# hand-written only\n');
      expect(() => writeSection(file, m, 'table')).toThrow(/place it by hand/);
      expect(readFileSync(file, 'utf8')).toBe('# hand-written only\n');
      const twice = `${m.begin}\n${m.end}\n${m.begin}\n${m.end}\n`;
      expect(() => replaceSection(twice, m, 'table')).toThrow(/exactly one/);
      expect(() => replaceSection(`${m.end}\n${m.begin}\n`, m, 'table')).toThrow(/exactly one/);
    } finally {
      tmp.cleanup();
    }
  });

  it.each([
    ['docs/MODEL.md', ['results', 'backbones', 'ablations']],
    ['docs/journal/2026-12-model-notebook.md', ['lever table']],
  ])('%s has one marker pair for each of its generators', (file, names) => {
    const text = read(file);
    for (const n of names) expect(() => replaceSection(text, mdMarkers(n), 'x')).not.toThrow();
  });

  it('no script or bench writes a Markdown file, README or NOTICE except through its sections', () => {
    const offenders: string[] = [];
    for (const file of [...sources('scripts'), ...sources('bench'), ...sources('tools')]) {
      if (file === join('tools', 'doc-section.ts')) continue;
      const text = read(file);
      for (const call of text.matchAll(/writeFileSync\(([^,]*),/g))
        if (/\.md\b|NOTICE|README|MODEL_CARD|DOCS\b/.test(call[1]!)) offenders.push(`${file}: ${call[0]}`);
    }
    expect(offenders).toEqual([]);
  });
});

describe('docs a newcomer reads', () => {
  it('the README is at most 1,200 words and ARCHITECTURE.md at most 600', () => {
    expect(words(read('README.md'))).toBeLessThanOrEqual(1200);
    expect(words(read('docs/ARCHITECTURE.md'))).toBeLessThanOrEqual(600);
  });

  it('the project says its licence: a LICENSE file, the same in package.json, linked from the README', () => {
    const pkg = JSON.parse(read('package.json')) as { license?: string };
    expect(pkg.license).toBe('MIT');
    expect(read('LICENSE')).toMatch(/^MIT License/);
    expect(read('README.md')).toContain('[LICENSE](LICENSE)');
  });

  it('the README gives the two set-up commands exactly as typed', () => {
    expect(read('README.md')).toContain('```sh\nnpm install\nnpm test\n```');
  });

  it('every relative link in the README and docs/ resolves', () => {
    const docs = [
      'README.md',
      ...readdirSync(join(ROOT, 'docs'))
        .filter((f) => f.endsWith('.md'))
        .map((f) => `docs/${f}`),
    ];
    const broken: string[] = [];
    for (const doc of docs)
      for (const [, target] of read(doc).matchAll(/\]\(([^)#\s]+)(?:#[^)]*)?\)/g)) {
        if (/^[a-z]+:/.test(target!)) continue;
        if (!existsSync(join(ROOT, dirname(doc), target!))) broken.push(`${doc} → ${target}`);
      }
    expect(broken).toEqual([]);
  });

  it('every folder of src/core is in the architecture notes', () => {
    const notes = read('docs/ARCHITECTURE.md');
    for (const d of readdirSync(join(ROOT, 'src/core'))) expect(notes).toContain(`\`${d}/\``);
  });
});
