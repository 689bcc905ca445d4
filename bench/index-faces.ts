/**
 * Part of `npm run bench -- index --faces=N`: what finding faces adds to indexing, on N 12-MP
 * JPEGs (4000x3000) each showing one or two people (faces-london studio photos, enlarged and
 * placed on a plain ground; benches and tests only). The same pipeline runs faces off, on, on,
 * off, so the cost is a ratio from one run.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import sharp from 'sharp';
import { LibraryStore } from '../src/core/store/store.js';
import { assembleParts } from '../src/core/app/parts.js';
import { openFaceReader, type FaceReader } from '../src/core/faces/reader.js';
import type { Embedder } from '../src/core/runtime/embedder.js';
import { Rng } from '../src/core/base/rng.js';
import { printTable } from '../tools/table.js';
import { FACES_FIXTURE } from './faces.js';

async function makePeoplePhotos(dir: string, n: number): Promise<void> {
  mkdirSync(dir, { recursive: true });
  if (readdirSync(dir).length >= n) return;
  const studio = readdirSync(FACES_FIXTURE).filter((f) => /^\d{3}_/.test(f));
  const rng = new Rng(9);
  console.error(`bench index: writing ${n} 4000x3000 JPEGs of one or two people to ${dir}…`);
  for (let i = 0; i < n; i++) {
    const count = 1 + (i % 2);
    const layers = await Promise.all(
      Array.from({ length: count }, async (_, k) => ({
        input: await sharp(join(FACES_FIXTURE, studio[rng.int(studio.length)]!))
          .resize(1400, 1400)
          .toBuffer(),
        left: 300 + k * 1900 + rng.int(200),
        top: 600 + rng.int(800),
      })),
    );
    await sharp({ create: { width: 4000, height: 3000, channels: 3, background: '#a89f90' } })
      .composite(layers)
      .jpeg({ quality: 90 })
      .toFile(join(dir, `IMG_${String(i).padStart(4, '0')}.jpg`));
  }
}

export async function benchIndexFaces(emb: Embedder, photosDir: string, n: number, decodeConcurrency: number) {
  if (!existsSync(FACES_FIXTURE)) {
    console.log(`\n(faces: skipped, ${FACES_FIXTURE} is missing)`);
    return;
  }
  const photos = join(photosDir, `people-12mp-${n}`);
  await makePeoplePhotos(photos, n);
  const reader: FaceReader = await openFaceReader();
  const scratch = mkdtempSync(join(tmpdir(), 'glimpse-bench-faces-'));
  const run = async (faces: boolean, k: number) => {
    const dataDir = join(scratch, `data-${k}`);
    const lib = assembleParts({
      store: LibraryStore.open(dataDir),
      embedder: emb,
      dataDir,
      faces: async () => (faces ? reader : null),
    });
    const t0 = performance.now();
    const summary = await lib.pipeline.run([photos], { decodeConcurrency });
    const seconds = (performance.now() - t0) / 1000;
    const found = faces ? lib.store.faces.people(reader.id).reduce((s, p) => s + p.faces, 0) : 0;
    lib.dispose();
    lib.store.close();
    return { rate: summary.indexed / seconds, found };
  };
  try {
    const off1 = await run(false, 0);
    const on1 = await run(true, 1);
    const on2 = await run(true, 2);
    const off2 = await run(false, 3);
    const off = (off1.rate + off2.rate) / 2;
    const on = (on1.rate + on2.rate) / 2;
    console.log(
      `\nFaces while indexing ${n} 12-MP JPEGs of one or two people (${emb.imageRuntime}), photos/s, off/on/on/off in one run:`,
    );
    printTable(
      ['faces off', 'faces on', 'time added by faces', 'faces found (of)'],
      [[off, on, `${((100 * (off / on - 1)) | 0).toString()}%`, `${on1.found}/${n + Math.floor(n / 2)}`]],
    );
  } finally {
    reader.dispose();
    rmSync(scratch, { recursive: true, force: true });
  }
}
