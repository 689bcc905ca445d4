/**
 * The caption stage survives kill -9: a new model's caption bank takes minutes to embed, so each
 * finished part of it is kept, and the next run embeds only the rest. The stage reports its own
 * progress ("preparing captions", n/N texts), and the run's time covers it, stage by stage.
 */
import { it, expect, beforeAll, afterAll } from 'vitest';
import { join } from 'node:path';
import { cpSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import sharp from 'sharp';
import { initBackend } from '../src/core/runtime/tf/backend.js';
import { createEngineApi } from '../src/core/app/api.js';
import type { Progress } from '../src/shared/contract.js';
import { trainTinyModel } from './tiny-model.js';
import { cliKilledWhen, tempDir, withRawDb } from './helpers.js';

const tmp = tempDir();
const photos = join(tmp.dir, 'photos');
const dataDir = join(tmp.dir, 'data');
const cacheDir = join(dataDir, 'cache');
let model: string;
let bankSize: number;

/** Many plain captions, so embedding the bank takes several parts of 1,024. */
function bigBank(): string[] {
  const adjectives = ['red', 'blue', 'green', 'small', 'large', 'old', 'young', 'happy', 'wet', 'white'];
  const things = ['dog', 'cat', 'car', 'boat', 'horse', 'bird', 'child', 'woman', 'man', 'train', 'bus', 'cow'];
  const places = ['beach', 'street', 'field', 'river', 'kitchen', 'park', 'road', 'garden', 'lake', 'hill'];
  const how = ['on the', 'near the', 'in the', 'by the', 'beside the', 'across the', 'behind the', 'above the'];
  const out: string[] = [];
  for (const a of adjectives)
    for (const t of things) for (const h of how) for (const p of places) out.push(`a ${a} ${t} ${h} ${p}`);
  return out;
}

beforeAll(async () => {
  await initBackend('wasm');
  const tiny = await trainTinyModel(tmp.dir, 0);
  model = join(tmp.dir, 'big-bank-model');
  cpSync(tiny, model, { recursive: true });
  const bank = bigBank();
  bankSize = bank.length;
  writeFileSync(join(model, 'captions.txt'), bank.join('\n'));
  mkdirSync(photos);
  for (let i = 0; i < 6; i++)
    await sharp({ create: { width: 320, height: 240, channels: 3, background: `hsl(${i * 60}, 70%, 50%)` } })
      .jpeg()
      .toFile(join(photos, `IMG_000${i + 1}.jpg`));
}, 240_000);
afterAll(() => tmp.cleanup());

const parts = () => {
  try {
    return readdirSync(cacheDir).filter((n) => /\.part-.*\.json$/.test(n));
  } catch {
    return [];
  }
};

it('kill -9 while embedding the caption bank: the next run embeds only what is left, and captions every photo', async () => {
  // Killed once two parts of the bank are kept, long before the last.
  const killed = await cliKilledWhen(
    ['index', photos, '--model', model, '--data-dir', dataDir],
    () => parts().length >= 2,
  );
  expect(killed).toBe(true);
  const kept = parts().length;
  expect(kept).toBeGreaterThanOrEqual(2);
  expect(withRawDb(dataDir, (db) => (db.prepare('SELECT COUNT(*) AS n FROM photos').get() as { n: number }).n)).toBe(6);

  const api = createEngineApi({ dataDir });
  const seen: Progress[] = [];
  const started = performance.now();
  const r = await api.index({ folders: [photos], model }, { onProgress: (p) => seen.push(p) });
  const wall = (performance.now() - started) / 1000;
  expect(r.ok).toBe(true);
  // Only the texts no part holds were embedded, with their own progress.
  const bank = seen.filter((p) => p.phase === 'preparing captions');
  expect(bank.length).toBeGreaterThan(0);
  const left = bank[0]!.total;
  expect(left).toBeLessThanOrEqual(bankSize - kept * 1024);
  expect(left).toBeGreaterThan(0);
  expect(bank.at(-1)).toMatchObject({ done: left, total: left });
  expect(bank.every((p) => p.eta !== null && p.eta >= 0)).toBe(true);
  expect(seen.findIndex((p) => p.phase === 'preparing captions')).toBeLessThan(
    seen.findIndex((p) => p.phase === 'captioning'),
  );
  // The whole bank is now cached as one, and the parts are gone.
  expect(parts()).toEqual([]);
  expect(readdirSync(cacheDir).filter((n) => /^caption-bank-[0-9a-f]+\.json$/.test(n))).toHaveLength(1);
  // Every photo captioned.
  for (let i = 1; i <= 6; i++) {
    const p = await api.photo({ path: join(photos, `IMG_000${i}.jpg`) });
    expect(p.ok && p.value.captions.length).toBeGreaterThan(0);
  }
  // The time reported is the whole call, as the caller waited for it, and says where it went.
  if (!r.ok) return;
  expect(r.value.seconds).toBeGreaterThan(0.9 * wall);
  expect(r.value.seconds).toBeLessThanOrEqual(wall);
  const { stages } = r.value;
  expect(stages.model).toBeGreaterThanOrEqual(0);
  expect(stages.captions).toBeGreaterThan(0);
  expect(stages.photos).toBeGreaterThanOrEqual(0);
  const sum = Object.values(stages).reduce((a, b) => a + b, 0);
  expect(sum).toBeLessThanOrEqual(r.value.seconds + 0.01);
  expect(sum).toBeGreaterThan(0.8 * r.value.seconds);
  api.close();
}, 300_000);

it("a second library on this computer reuses the model's embedded bank, without the first one's words", async () => {
  const shared = join(tmp.dir, 'shared-cache');
  const first = createEngineApi({ dataDir: join(tmp.dir, 'library-1'), sharedCache: shared });
  const album = await first.createAlbum({ name: 'Grandpa', label: 'grandpa fixing his old tractor' });
  expect(album.ok).toBe(true);
  const firstBank: Progress[] = [];
  expect((await first.index({ folders: [photos], model }, { onProgress: (p) => firstBank.push(p) })).ok).toBe(true);
  expect(firstBank.some((p) => p.phase === 'preparing captions' && p.total >= bankSize)).toBe(true);
  first.close();
  const kept = readdirSync(shared).filter((n) => n.endsWith('.json'));
  expect(kept).toHaveLength(1);
  expect(readFileSync(join(shared, kept[0]!), 'utf8')).not.toContain('tractor');
  expect(readFileSync(join(tmp.dir, 'library-1', 'cache', kept[0]!), 'utf8')).toContain('tractor');

  const second = createEngineApi({ dataDir: join(tmp.dir, 'library-2'), sharedCache: shared });
  const seen: Progress[] = [];
  expect((await second.index({ folders: [photos], model }, { onProgress: (p) => seen.push(p) })).ok).toBe(true);
  expect(seen.filter((p) => p.phase === 'preparing captions').map((p) => [p.done, p.total])).toEqual([]);
  const p = await second.photo({ path: join(photos, 'IMG_0001.jpg') });
  expect(p.ok && p.value.captions.length).toBeGreaterThan(0);
  second.close();
}, 300_000);
