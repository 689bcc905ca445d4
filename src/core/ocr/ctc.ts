/**
 * Greedy CTC decoding of a text recogniser's per-step class probabilities (PaddleOCR's
 * CTCLabelDecode): the most likely class at each step, repeats collapsed, the blank (class 0)
 * dropped. Class i ≥ 1 is character i − 1 of the model's list.
 */
export function ctcGreedy(
  probs: Float32Array,
  steps: number,
  classes: number,
  chars: readonly string[],
): { text: string; confidence: number } {
  let text = '';
  let sum = 0;
  let count = 0;
  let previous = -1;
  for (let t = 0; t < steps; t++) {
    let best = 0;
    let bestP = -Infinity;
    for (let c = 0; c < classes; c++) {
      const p = probs[t * classes + c]!;
      if (p > bestP) {
        bestP = p;
        best = c;
      }
    }
    if (best !== 0 && best !== previous) {
      text += chars[best - 1] ?? '';
      sum += bestP;
      count++;
    }
    previous = best;
  }
  return { text, confidence: count ? sum / count : 0 };
}
