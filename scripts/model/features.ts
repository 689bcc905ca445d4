/**
 * Backbone features for the corpus, computed once and cached (frozen backbone, as the paper's
 * precomputed-feature runs): data/features/<backbone>.npy + .ids.json. The backbone runs on
 * onnxruntime with one thread per core (the library's indexing runtime; 6-10x faster than tfjs
 * wasm here), while sharp decodes the next batch.
 *   npx tsx scripts/model/features.ts <backbone-id> [inputSize] [--sets=a,b] [--limit=N] [--views=V]
 * Backbones: nsfwjs-mobilenet_v2 (any multiple of 32 px), nsfwjs-inception_v3, human-centernet.
 * --views=V instead computes V randomly augmented views (random resized crop + flip) of every
 * training image, for training with augmentation on cached features: <backbone>.views<V>.npy,
 * row v * images + i for view v of image i.
 * --photo-style=V: V photo-style views of every training drawing instead (photo-style.ts,
 * backgrounds from the real photos' training split): <backbone>.photostyle<V>.npy.
 * --photo-views=V: V augmented views of the real training photos only, with crops of at least
 * PHOTO_MIN_AREA of the photo, so a crop keeps most of its subject: <backbone>.photoviews<V>.npy.
 * --photo-looks=V: the same crops of the real training photos, each also as another camera or
 * source would give it (photo-style.ts photoLook: grey levels, colour, focus, size, JPEG):
 * <backbone>.photolooks<V>.npy.
 */
import { mkdirSync, writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir, availableParallelism } from 'node:os';
import { initBackend } from '../../src/core/runtime/tf/backend.js';
import { featureName, importBackbone } from '../../tools/backbones.js';
import { openOnnxBackbone } from '../../src/core/runtime/backbones/onnx-runtime.js';
import { decodeEval, decodeAugmented } from '../../src/core/vse/data/images.js';
import { Rng } from '../../src/core/base/rng.js';
import { encodeNpy } from '../../src/core/vse/data/npy.js';
import { readCorpus, CORPUS_DIR } from '../../tools/corpus.js';
import { photoLook, photoStyle } from './photo-style.js';

const BATCH = 32;

const [backbone = 'nsfwjs-mobilenet_v2', sizeArg] = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const sets = process.argv
  .find((a) => a.startsWith('--sets='))
  ?.split('=')[1]
  ?.split(',');
const limit = Number(process.argv.find((a) => a.startsWith('--limit='))?.split('=')[1] ?? Infinity);
const count = (flag: string) => Number(process.argv.find((a) => a.startsWith(`--${flag}=`))?.split('=')[1] ?? 0);
const photoStyleViews = count('photo-style');
const photoLooks = count('photo-looks');
const photoViews = count('photo-views') || photoLooks;
const views = photoStyleViews || photoViews || count('views');
/** A photo's subject usually fills much of it; torchvision's 8% crops would often cut it away. */
const PHOTO_MIN_AREA = 0.3;
const corpus = readCorpus();
let items = corpus.filter((i) => !sets || sets.includes(i.set));
const backgrounds = corpus.filter((i) => i.set === 'photos-real' && i.split === 'train').map((i) => i.image);
// Only the drawings that are trained on: the other artists' emoji stay evaluation-only.
if (photoStyleViews) items = items.filter((i) => ['openclipart', 'emoji-google', 'emoji-twitter'].includes(i.set));
if (photoViews) items = items.filter((i) => i.set === 'photos-real');
if (Number.isFinite(limit))
  items = items.filter((i) => i.split !== 'train').concat(items.filter((i) => i.split === 'train').slice(0, limit));
const images = views > 0 ? items.filter((i) => i.split === 'train') : items;
// One job per (view, image); a view's crop and flip come from its own seed, so a rerun repeats it.
const jobs =
  views > 0
    ? Array.from({ length: views }, (_, v) =>
        images.map((item, i) => ({ item, seed: 1 + v * images.length + i })),
      ).flat()
    : images.map((item) => ({ item, seed: 0 }));

await initBackend('wasm');
const tmp = mkdtempSync(join(tmpdir(), 'glimpse-feat-'));
const spec = await importBackbone(sizeArg ? `${backbone}@${sizeArg}` : backbone, tmp);
const onnx = await openOnnxBackbone(spec, tmp, availableParallelism());
rmSync(tmp, { recursive: true, force: true });
const per = spec.inputSize * spec.inputSize * 3;
const dim = spec.featureDim;

/** Decodes jobs[start, start+n) into one buffer; a failed image is marked and left black. */
async function decodeBatch(start: number): Promise<{ pixels: Float32Array; ok: boolean[] }> {
  const n = Math.min(BATCH, jobs.length - start);
  const pixels = new Float32Array(n * per);
  const ok = await Promise.all(
    Array.from({ length: n }, (_, i) => {
      const { item, seed } = jobs[start + i]!;
      const rng = new Rng(seed);
      const decoded = photoStyleViews
        ? photoStyle(item.image, backgrounds[rng.int(backgrounds.length)]!, rng, spec.inputSize).then((b) =>
            decodeEval(b, spec, pixels, i * per),
          )
        : photoLooks
          ? photoLook(item.image, rng, spec.inputSize, PHOTO_MIN_AREA).then((b) => decodeEval(b, spec, pixels, i * per))
          : views > 0
            ? decodeAugmented(item.image, spec, rng, pixels, i * per, photoViews ? PHOTO_MIN_AREA : undefined)
            : decodeEval(item.image, spec, pixels, i * per);
      return decoded.then(
        () => true,
        () => false,
      );
    }),
  );
  return { pixels, ok };
}

const all = new Float32Array(jobs.length * dim);
const ids: string[] = [];
const failed: string[] = [];
let row = 0;
const t0 = performance.now();
let next = jobs.length > 0 ? decodeBatch(0) : null;
for (let start = 0; next; start += BATCH) {
  const { pixels, ok } = await next;
  // Decode the next batch while this one runs through the backbone.
  next = start + BATCH < jobs.length ? decodeBatch(start + BATCH) : null;
  const f = await onnx.features(pixels, ok.length);
  ok.forEach((good, i) => {
    const item = jobs[start + i]!.item;
    // Views keep a row for every (view, image), so rows stay addressable; failures are listed.
    if (!good) {
      failed.push(item.id);
      if (views === 0) return;
    }
    all.set(f.subarray(i * dim, (i + 1) * dim), row * dim);
    if (views === 0 || start + i < images.length) ids.push(item.id);
    row++;
  });
  const done = start + ok.length;
  if (done % (BATCH * 10) === 0 || done === jobs.length) {
    process.stderr.write(
      `features ${done}/${jobs.length} (${(done / ((performance.now() - t0) / 1000)).toFixed(1)} img/s)\n`,
    );
  }
}
await onnx.dispose();

const outDir = join(CORPUS_DIR, '..', 'features');
mkdirSync(outDir, { recursive: true });
const kind = photoStyleViews ? 'photostyle' : photoLooks ? 'photolooks' : photoViews ? 'photoviews' : 'views';
const name = featureName(spec.id) + (views > 0 ? `.${kind}${views}` : '');
const seconds = (performance.now() - t0) / 1000;
writeFileSync(join(outDir, `${name}.npy`), encodeNpy(all.subarray(0, row * dim), row, dim));
writeFileSync(
  join(outDir, `${name}.ids.json`),
  JSON.stringify({ backbone: spec.id, runtime: onnx.description, views, ids, failed: [...new Set(failed)], seconds }),
);
console.log(
  `${name}: ${row} images (${failed.length} failed) in ${seconds.toFixed(0)} s on ${onnx.description} → ${join(outDir, `${name}.npy`)}`,
);
