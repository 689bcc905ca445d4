/**
 * Tags from the detector the image backbone already runs. The shipped backbone's feature ends
 * with the per-class maximum of CenterNet's sigmoid class heatmaps (`tower_0/keypoints@max`): for
 * each COCO class, the score of its most confident detection. A class above the threshold is a tag.
 */
import type { BackboneSpec } from '../model/backbone.js';
import { COCO_CLASSES } from './coco.js';

/** One detected class: its COCO label and the detector's confidence (0…1). */
export interface DetectedTag {
  label: string;
  confidence: number;
}

/**
 * The lowest class score kept as a tag, chosen on darknet's test photos (docs/MODEL.md): the
 * faintest true object there scores about 0.25, so the floor sits a little under it.
 */
export const TAG_THRESHOLD = 0.2;

const HEATMAP_MAX = 'tower_0/keypoints@max';

/** Where the class scores start in this backbone's feature, or null for a backbone without them. */
export function classScoreOffset(spec: BackboneSpec): number | null {
  const parts = spec.featureNode.split(',');
  if (parts[parts.length - 1] !== HEATMAP_MAX) return null;
  return spec.featureDim - COCO_CLASSES.length;
}

/** The tags of n images from their n × featureDim backbone features, most confident first. */
export function tagsFromFeatures(
  features: Float32Array,
  n: number,
  offset: number,
  threshold = TAG_THRESHOLD,
): DetectedTag[][] {
  const dim = features.length / n;
  return Array.from({ length: n }, (_, i) => {
    const tags: DetectedTag[] = [];
    COCO_CLASSES.forEach((c, k) => {
      const score = features[i * dim + offset + k]!;
      if (score >= threshold) tags.push({ label: c.label, confidence: score });
    });
    return tags.sort((a, b) => b.confidence - a.confidence);
  });
}
