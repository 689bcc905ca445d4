/**
 * The VSE++ contrastive loss (vsepp's ContrastiveLoss): a hinge on every mismatched pair in the
 * batch, in both directions, summed over the batch. maxViolation keeps only the hardest negative
 * per query (VSE++); without it every negative counts (VSE0).
 */
import * as tf from '@tensorflow/tfjs';

export function contrastiveLoss(im: tf.Tensor2D, s: tf.Tensor2D, margin: number, maxViolation: boolean): tf.Scalar {
  return tf.tidy(() => {
    const n = im.shape[0];
    // Explicit transpose: the plain matmul kernel is the fast one on wasm.
    const scores = tf.matMul(im, tf.transpose(s));
    const diagonal = scores.mul(tf.eye(n)).sum(1, true); // [n, 1]: score of each matching pair
    // Row i = image i against every caption (caption retrieval); column j = caption j against every image.
    const costS = tf.relu(scores.add(margin).sub(diagonal));
    const costIm = tf.relu(scores.add(margin).sub(diagonal.transpose()));
    const offDiag = tf.sub(1, tf.eye(n));
    const maskedS = costS.mul(offDiag);
    const maskedIm = costIm.mul(offDiag);
    if (maxViolation) return maskedS.max(1).sum().add(maskedIm.max(0).sum()) as tf.Scalar;
    return maskedS.sum().add(maskedIm.sum()) as tf.Scalar;
  });
}
