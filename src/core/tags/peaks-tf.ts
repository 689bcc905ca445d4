/**
 * The detector's peaks on tfjs, from its heads' raw outputs: the same decoding the model's graph
 * does after its heads (a 3×3 max-pool keeps each local maximum, then the top k over the image).
 */
import * as tf from '@tensorflow/tfjs';
import { decodePeaks, PEAKS_PER_IMAGE, type Peaks } from './detect.js';

/** `heat`: [n, H, W, classes] sigmoid scores; `sizes`: [n, H, W, 4] side distances in input pixels. */
export async function peaksFromMaps(heat: tf.Tensor4D, sizes: tf.Tensor4D, inputSize: number): Promise<Peaks> {
  const [n, height, width, classes] = heat.shape;
  const k = Math.min(PEAKS_PER_IMAGE, height * width * classes);
  const top = tf.tidy(() => {
    const local = tf.maxPool(heat, 3, 1, 'same');
    const peaks = tf.mul(heat, tf.cast(tf.equal(heat, local), 'float32'));
    return tf.topk(tf.reshape(peaks, [n, -1]), k);
  });
  try {
    const [scores, index, s] = await Promise.all([top.values.data(), top.indices.data(), sizes.data()]);
    return decodePeaks({ scores, index }, s, { n, k, height, width, classes, inputSize }, 'nhwc');
  } finally {
    tf.dispose([top.values, top.indices]);
  }
}
