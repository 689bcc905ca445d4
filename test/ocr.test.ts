/**
 * OCR (PP-OCRv4 on onnxruntime): the DB post-processing and CTC decoding against hand-made
 * fixtures, then the whole reader on rendered text (signs, a rotated sign, an upside-down line)
 * and on an image with no text. Ground truth is known by construction.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import sharp from 'sharp';
import { boxesFromProbMap } from '../src/core/ocr/db-postprocess.js';
import { ctcGreedy } from '../src/core/ocr/ctc.js';
import { splitJoinedWords } from '../src/core/language/joined-words.js';
import { keepsLine, OcrEngine, readRgb, type RgbImage } from '../src/core/ocr/ocr.js';
import { havePhotos, SKIMAGE } from './camera-photos.js';
import { loadOnnxRuntime } from '../src/core/runtime/backbones/onnx-runtime.js';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createEngineApi } from '../src/core/app/api.js';
import { initBackend } from '../src/core/runtime/tf/backend.js';
import { loadBundle } from '../src/core/vse/bundle.js';
import { bundleEmbedder } from '../src/core/runtime/embedder.js';
import { trainTinyModel } from './tiny-model.js';
import { join } from 'node:path';
import { ROOT, runCli, tempDir, withRawDb, describeIf } from './helpers.js';
import { spawn } from 'node:child_process';

const tmp = tempDir();
afterAll(() => tmp.cleanup());

describe('DB post-processing', () => {
  it('gives one grown box per text region, rotated with it, and drops faint regions', () => {
    const w = 200;
    const h = 120;
    const prob = new Float32Array(w * h);
    // An upright region 100×10 at (20,20), a region tilted by 20°, and a faint one.
    for (let y = 20; y < 30; y++) for (let x = 20; x < 120; x++) prob[y * w + x] = 0.9;
    const a = (20 * Math.PI) / 180;
    for (let t = -40; t <= 40; t += 0.25)
      for (let s = -4; s <= 4; s += 0.25) {
        const x = Math.round(100 + t * Math.cos(a) - s * Math.sin(a));
        const y = Math.round(80 + t * Math.sin(a) + s * Math.cos(a));
        prob[y * w + x] = 0.8;
      }
    for (let y = 100; y < 110; y++) for (let x = 150; x < 190; x++) prob[y * w + x] = 0.45;
    const boxes = boxesFromProbMap(prob, w, h);
    expect(boxes).toHaveLength(2);
    const [upright, tilted] = boxes;
    // Unclip grows the 100×10 region by d = A·1.5/L ≈ 6.8 px a side.
    const xs = upright!.points.map((p) => p[0]);
    const ys = upright!.points.map((p) => p[1]);
    expect(Math.min(...xs)).toBeCloseTo(20 - 6.8, 0);
    expect(Math.max(...xs)).toBeCloseTo(120 + 6.8, 0);
    expect(Math.max(...ys) - Math.min(...ys)).toBeCloseTo(10 + 13.6, 0);
    expect(upright!.score).toBeCloseTo(0.9, 5);
    const [tl, tr] = tilted!.points;
    expect((Math.atan2(tr[1] - tl[1], tr[0] - tl[0]) * 180) / Math.PI).toBeCloseTo(20, -0.5);
  });
});

describe('joined words', () => {
  it('are split back into dictionary words for search; names, codes and real words stay whole', () => {
    expect(splitJoinedWords('gardenticket345')).toBe('garden ticket 345');
    expect(splitJoinedWords('INVOICE2023')).toBe('INVOICE 2023');
    expect(splitJoinedWords('freshbread')).toBe('fresh bread');
    expect(splitJoinedWords('sunflower')).toBe('sunflower');
    expect(splitJoinedWords('Glimpse Xkcdqzw')).toBe('Glimpse Xkcdqzw');
  });
});

describe('CTC greedy decoding', () => {
  it('keeps a line of two letters or more; a short one only when read with confidence', () => {
    // Read off real photos without text (a cup's rim, a blurred clock, grass): not text.
    for (const [text, conf] of [
      ['O', 0.64],
      ['®', 0.62],
      ['Mld', 0.61],
      ['7', 0.99],
      ['a long line read faintly', 0.45],
    ] as const)
      expect(keepsLine(text, conf), text).toBe(false);
    for (const [text, conf] of [
      ['EXIT', 0.7],
      ['GO', 0.8],
      ['出口', 0.9],
      ['GATE 101', 0.6],
      ['Region-based segmentation', 0.99],
    ] as const)
      expect(keepsLine(text, conf), text).toBe(true);
  });

  it('collapses repeats, drops blanks, keeps a letter repeated across a blank', () => {
    const chars = ['h', 'e', 'l', 'o'];
    // Steps: h h _ e l l _ l o _  (class 0 is the blank)
    const path = [1, 1, 0, 2, 3, 3, 0, 3, 4, 0];
    const probs = new Float32Array(path.length * 5).fill(0.05);
    path.forEach((c, t) => (probs[t * 5 + c] = 0.8));
    expect(ctcGreedy(probs, path.length, 5, chars)).toEqual({ text: 'hello', confidence: expect.closeTo(0.8, 5) });
    expect(
      ctcGreedy(
        new Float32Array(10).fill(0).map((_, i) => (i % 5 === 0 ? 1 : 0)),
        2,
        5,
        chars,
      ).text,
    ).toBe('');
  });
});

const ortMissing = typeof (await loadOnnxRuntime()) === 'string';

async function render(svgBody: string, width = 800, height = 500): Promise<RgbImage> {
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">${svgBody}</svg>`;
  const { data, info } = await sharp(Buffer.from(svg)).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height };
}

describeIf(!ortMissing || !!process.env.GLIMPSE_REQUIRE_ORT, 'OCR: onnxruntime-node is not installed here')(
  'reading text in images',
  () => {
    let ocr: OcrEngine;
    beforeAll(async () => {
      ocr = await OcrEngine.open(2);
    });
    afterAll(() => ocr?.dispose());
    const words = async (img: RgbImage) => (await ocr.read(img)).map((l) => l.text).join(' ');

    it('reads a sign, a small line and an upside-down line', async () => {
      const text = await words(
        await render(`<rect width="800" height="500" fill="#3a6"/>
        <rect x="150" y="120" width="500" height="160" fill="#fd0" stroke="#000" stroke-width="8"/>
        <text x="400" y="235" font-family="DejaVu Sans" font-weight="bold" font-size="90" text-anchor="middle">DEAD END</text>
        <text x="400" y="400" font-family="DejaVu Sans" font-size="36" text-anchor="middle" fill="white">wifi password: sunflower42</text>
        <text x="600" y="470" font-family="DejaVu Sans" font-size="30" transform="rotate(180 600 460)">upside down</text>`),
      );
      expect(text).toContain('DEAD');
      expect(text).toContain('END');
      expect(text).toContain('sunflower42');
      expect(text).toContain('upside down');
    });

    it('reads a sign turned by 25°', async () => {
      const text = await words(
        await render(`<rect width="800" height="500" fill="#fff"/>
        <text x="400" y="260" font-family="DejaVu Sans" font-weight="bold" font-size="64" text-anchor="middle"
          transform="rotate(-25 400 250)">INVOICE 2023</text>`),
      );
      expect(text.replace(/\s+/g, ' ')).toMatch(/INVOICE\s*2023/);
    });

    it('glimpse ocr prints the lines with their boxes, and names a file it cannot read', async () => {
      const img = await render(`<rect width="800" height="500" fill="#fff"/>
      <text x="60" y="200" font-family="DejaVu Sans" font-size="72">Menu of the day</text>`);
      const file = join(tmp.dir, 'IMG_0001.png');
      await sharp(img.data, { raw: { width: img.width, height: img.height, channels: 3 } })
        .png()
        .toFile(file);
      writeFileSync(join(tmp.dir, 'IMG_0002.jpg'), 'not a photo');
      const r = runCli(['ocr', file, join(tmp.dir, 'IMG_0002.jpg'), '--json', '--data-dir', join(tmp.dir, 'data')]);
      expect(r.code).toBe(1); // one file could not be read
      const out = r.json() as {
        model: string;
        photos: { path: string; lines: { text: string; box: number[][] }[]; error?: string }[];
      };
      expect(out.model).toMatch(/^pp-ocrv4@/);
      expect(out.photos[0]!.lines.map((l) => l.text).join(' ')).toMatch(/Menu of the day/);
      expect(out.photos[0]!.lines[0]!.box).toHaveLength(4);
      expect(out.photos[1]).toMatchObject({ lines: [], error: expect.any(String) });
    });

    it('reads a large photo from its file: detection on a small decode, lines at full size, boxes in its pixels', async () => {
      const file = join(tmp.dir, 'IMG_0100.jpg');
      await sharp(
        Buffer.from(`<svg xmlns="http://www.w3.org/2000/svg" width="3200" height="2400">
        <rect width="3200" height="2400" fill="#8ab"/>
        <text x="2000" y="2000" font-family="DejaVu Sans" font-size="120">GARDEN GATE</text></svg>`),
      )
        .jpeg({ quality: 90 })
        .toFile(file);
      const lines = await ocr.readFile(file);
      expect(lines.map((l) => l.text).join(' ')).toMatch(/GARDEN\s*GATE/);
      const xs = lines.flatMap((l) => l.box.map((p) => p[0]));
      const ys = lines.flatMap((l) => l.box.map((p) => p[1]));
      expect(Math.min(...xs)).toBeGreaterThan(1900);
      expect(Math.max(...ys)).toBeGreaterThan(1950);
      expect(Math.max(...ys)).toBeLessThan(2100);
      // A photo without text stops after the detector.
      const plain = join(tmp.dir, 'IMG_0101.jpg');
      await sharp({ create: { width: 3200, height: 2400, channels: 3, background: '#468' } })
        .jpeg()
        .toFile(plain);
      expect(await ocr.readFile(plain)).toEqual([]);
    });

    it('reads no text off real photos without any, and still reads a photographed page', async () => {
      const photos = ['coffee.png', 'cell.png', 'clock_motion.png', 'page.png'].map((f) => join(SKIMAGE, f));
      if (!havePhotos(...photos)) return;
      for (const f of photos.slice(0, 3)) expect(await ocr.read(await readRgb(f)), f).toEqual([]);
      expect(await words(await readRgb(photos[3]!))).toContain('Region-based segmentation');
    });

    it('finds no lines in a photo without text', async () => {
      const img =
        await render(`<defs><radialGradient id="g"><stop offset="0" stop-color="#f80"/><stop offset="1" stop-color="#036"/></radialGradient></defs>
      <rect width="800" height="500" fill="url(#g)"/><rect x="80" y="300" width="640" height="160" rx="40" fill="#2a4"/>`);
      expect(await ocr.read(img)).toEqual([]);
    });
  },
);

describeIf(
  !ortMissing || !!process.env.GLIMPSE_REQUIRE_ORT,
  'OCR in the library: onnxruntime-node is not installed here',
)('text in the library', () => {
  it('is read while indexing, found by a word on a sign (first, marked), kept across a cancel and a re-run', async () => {
    await initBackend('wasm');
    const embedder = bundleEmbedder(await loadBundle(await trainTinyModel(tmp.dir, 0)));
    const engine = await OcrEngine.open(2);
    let reads = 0;
    const counting = { id: engine.id, read: (img: RgbImage) => (reads++, engine.read(img)) };
    const folder = join(tmp.dir, 'signs');
    mkdirSync(folder);
    const signs = ['DEAD END', 'FRESH BREAD', 'PLATFORM 9', 'NO PARKING'];
    for (const [i, t] of signs.entries()) {
      const img = await render(
        `<rect width="640" height="400" fill="#${['fd0', 'fff', '9cf', 'f66'][i]}"/>
        <text x="320" y="220" font-family="DejaVu Sans" font-weight="bold" font-size="72" text-anchor="middle">${t}</text>`,
        640,
        400,
      );
      await sharp(img.data, { raw: { width: 640, height: 400, channels: 3 } })
        .jpeg()
        .toFile(join(folder, `IMG_000${i + 1}.jpg`));
    }
    const plain = await render('<rect width="640" height="400" fill="#486"/>', 640, 400);
    await sharp(plain.data, { raw: { width: 640, height: 400, channels: 3 } })
      .jpeg()
      .toFile(join(folder, 'IMG_0005.jpg'));

    const dataDir = join(tmp.dir, 'ocr-data');
    let api = createEngineApi({ dataDir, embedder, ocr: counting });
    // Cancelled once the first photo's text is in: the rest wait for the next run.
    const ac = new AbortController();
    await api.index(
      { folders: [folder] },
      {
        signal: ac.signal,
        onProgress: (p) => p.phase === 'reading text' && p.done >= 1 && ac.abort(),
      },
    );
    const afterCancel = reads;
    expect(afterCancel).toBeGreaterThanOrEqual(1);
    expect(afterCancel).toBeLessThan(5);
    api.close();
    api = createEngineApi({ dataDir, embedder, ocr: counting });
    const r = await api.index({ folders: [folder] });
    expect(r.ok).toBe(true);
    expect(reads).toBe(5); // each photo read once, over both runs
    const hits = await api.search({ query: 'parking' });
    expect(hits.ok && hits.value.results[0]).toMatchObject({
      path: join(folder, 'IMG_0004.jpg'),
      keyword: true,
      text: expect.stringMatching(/PARKING/),
    });
    const status = await api.status({});
    expect(status.ok && [status.value.counts.withText, status.value.ocr]).toEqual([4, 'on']);
    const none = await api.photo({ path: join(folder, 'IMG_0005.jpg') });
    expect(none.ok && none.value.text).toEqual([]);
    const sign = await api.photo({ path: join(folder, 'IMG_0001.jpg') });
    expect(sign.ok && sign.value.text.map((l) => l.text).join(' ')).toMatch(/DEAD\s*END/);
    // Again: nothing new to read.
    expect((await api.index({ folders: [folder] })).ok).toBe(true);
    expect(reads).toBe(5);
    api.close();
    await engine.dispose();
    embedder.dispose();
  }, 240_000);

  it('kill -9 while reading text: the index stays sound, a re-run reads only the photos not yet read', async () => {
    const model = await trainTinyModel(tmp.dir, 0);
    const folder = join(tmp.dir, 'kill-signs');
    mkdirSync(folder);
    const N = 12;
    for (let i = 0; i < N; i++) {
      const img = await render(
        `<rect width="640" height="400" fill="#fff"/>
        <text x="320" y="220" font-family="DejaVu Sans" font-size="64" text-anchor="middle">GATE ${100 + i}</text>`,
        640,
        400,
      );
      await sharp(img.data, { raw: { width: 640, height: 400, channels: 3 } })
        .jpeg()
        .toFile(join(folder, `IMG_${String(i + 1).padStart(4, '0')}.jpg`));
    }
    const dataDir = join(tmp.dir, 'kill-data');
    const textRows = (): { hash: string; read_at: string }[] => {
      try {
        return withRawDb(dataDir, (db) => db.prepare('SELECT hash, read_at FROM photo_text ORDER BY hash').all()) as {
          hash: string;
          read_at: string;
        }[];
      } catch {
        return []; // not created yet, or mid-migration
      }
    };
    const args = ['index', folder, '--model', model, '--data-dir', dataDir, '--json'];
    const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'src/cli/main.ts'), ...args], {
      cwd: ROOT,
      stdio: 'ignore',
    });
    const exited = new Promise<void>((r) => child.once('exit', () => r()));
    const poll = setInterval(() => {
      if (textRows().length >= 2) child.kill('SIGKILL');
    }, 10);
    await exited;
    clearInterval(poll);
    const before = textRows();
    expect(before.length).toBeGreaterThanOrEqual(2);
    expect(before.length).toBeLessThan(N); // the kill landed while text was being read
    withRawDb(dataDir, (db) => {
      expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
      // Every text row has its full-text entry, and no entry is left without its row.
      const orphans = db
        .prepare(
          'SELECT count(*) n FROM photo_text_fts f WHERE NOT EXISTS (SELECT 1 FROM photo_text t WHERE t.hash = f.hash)',
        )
        .get() as { n: number };
      expect(orphans.n).toBe(0);
      expect((db.prepare('SELECT count(*) n FROM photo_text_fts').get() as { n: number }).n).toBe(before.length);
    });
    const r = runCli(args);
    expect(r.code, r.stderr).toBe(0);
    const after = textRows();
    expect(after).toHaveLength(N);
    // The photos read before the kill were not read again.
    for (const row of before) expect(after.find((a) => a.hash === row.hash)).toEqual(row);
    const hit = runCli(['search', 'GATE 105', '--model', model, '--data-dir', dataDir, '--json']).json() as {
      results: { path: string }[];
    };
    expect(hit.results[0]!.path).toBe(join(folder, 'IMG_0006.jpg'));
  }, 240_000);
});
