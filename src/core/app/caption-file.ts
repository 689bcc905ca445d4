/**
 * Captions for one photo: the stored ones for an indexed photo, or computed on the spot for any
 * image file (and always computed when a replacement bank is given, or `tagRanked` is false: bank
 * captions by the model's score alone).
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { GlimpseError } from '../base/errors.js';
import { CaptionBank, type CaptionHit, type PhotoEvidence } from '../captions/captions.js';
import { groundedCaptions } from '../captions/grounded-captions.js';
import { decodePhoto } from '../indexing/decode.js';
import { CAPTIONS_PER_PHOTO } from '../indexing/pipeline.js';
import type { ModelParts } from './parts.js';

/**
 * A replacement caption bank, for captioning many photos in one call: it is embedded once (and
 * its vectors kept in the cache by content, so a later call with the same texts embeds nothing).
 * The caller disposes of it.
 */
export function replacementBank(parts: ModelParts, texts: string[]): CaptionBank {
  return new CaptionBank(parts.store, parts.embedder, texts, join(parts.dataDir, 'cache'), parts.captions.kind);
}

export async function captionFile(
  parts: ModelParts,
  path: string,
  k = CAPTIONS_PER_PHOTO,
  bankOverride?: CaptionBank,
  tagRanked = true,
): Promise<CaptionHit[]> {
  const { store, embedder, captions } = parts;
  const abs = resolve(path);
  const row = store.photoByPath(abs);
  if (row && !bankOverride && tagRanked) {
    const stored = captions.stored(row.id);
    if (stored.length >= k) return stored.slice(0, k);
  }
  const bank = bankOverride ?? captions;
  {
    let vector = row ? store.vector(row.id, embedder.id) : undefined;
    let evidence: PhotoEvidence = vector && row ? captions.evidence(row.id) : {};
    if (!vector) {
      if (!existsSync(abs)) throw new GlimpseError('not-found', `${abs}: no such file`);
      const d = await decodePhoto(abs, embedder.preprocess, parts.pipeline.thumbDir).catch(
        (e: Error & { reason?: string }) => {
          throw new GlimpseError('bad-data', `${abs}: ${e.reason ?? 'unreadable'}: ${e.message}`);
        },
      );
      // A file outside the library gets its objects detected too, where the model has a detector.
      if (embedder.embedAndTag) {
        const { vectors, tags } = await embedder.embedAndTag(d.pixels, 1);
        vector = vectors;
        evidence = { tags: tags[0]!, grounded: groundedCaptions(tags[0]!) };
      } else vector = await embedder.embedImages(d.pixels, 1);
    }
    // A replacement bank is all the captions asked for; the photo's objects still rank it,
    // unless asked not to.
    const photo = { tags: tagRanked ? evidence.tags : [], grounded: bankOverride ? [] : evidence.grounded };
    return (await bank.captionVectors(vector, 1, k, [photo]))[0]!;
  }
}
