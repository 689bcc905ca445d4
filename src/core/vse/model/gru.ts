/**
 * A GRU with PyTorch nn.GRU semantics (gate order r, z, n; the reset gate multiplies the recurrent
 * pre-activation after its matmul), optionally layer-normalised (Ba et al. 2016): LN over each
 * step's whole 3H input and recurrent pre-activation, each with its own gain and bias.
 *
 * Weights are stored transposed from PyTorch ([in, 3H] not [3H, in]) so both matmuls run without
 * a transposed operand, which the wasm backend executes far more slowly.
 */
import * as tf from '@tensorflow/tfjs';

export interface GruWeights {
  /** [inputSize, 3H], gate blocks r|z|n along the last axis. */
  wIh: tf.Tensor2D;
  /** [H, 3H]. */
  wHh: tf.Tensor2D;
  bIh: tf.Tensor1D;
  bHh: tf.Tensor1D;
  /** Present only for the layer-normalised variant. */
  ln?: { ihGain: tf.Tensor1D; ihBias: tf.Tensor1D; hhGain: tf.Tensor1D; hhBias: tf.Tensor1D; eps: number };
}

/** LN over the last axis with the biased variance, as torch.nn.LayerNorm does. */
export function layerNorm(x: tf.Tensor, gain: tf.Tensor1D, bias: tf.Tensor1D, eps: number): tf.Tensor {
  const { mean, variance } = tf.moments(x, -1, true);
  return x.sub(mean).div(variance.add(eps).sqrt()).mul(gain).add(bias);
}

/**
 * Runs the GRU over x [B, T, I] and returns each sequence's hidden state after its last real step
 * [B, H]. Steps past a sequence's length leave its state unchanged, which equals running a packed
 * sequence in PyTorch.
 */
export function gruLastHidden(x: tf.Tensor3D, lengths: ArrayLike<number>, w: GruWeights): tf.Tensor2D {
  return tf.tidy(() => {
    const [batch, steps, inputSize] = x.shape;
    const hidden = w.wHh.shape[0];
    // All input projections at once: one [B*T, I] x [I, 3H] matmul instead of T small ones.
    let gi: tf.Tensor = tf.matMul(x.reshape([batch * steps, inputSize]), w.wIh).add(w.bIh);
    if (w.ln) gi = layerNorm(gi, w.ln.ihGain, w.ln.ihBias, w.ln.eps);
    const gi3 = gi.reshape([batch, steps, 3 * hidden]);
    const lens = Array.from(lengths);
    const maxLen = Math.max(...lens);
    let h: tf.Tensor2D = tf.zeros([batch, hidden]);
    for (let t = 0; t < maxLen; t++) {
      const git = gi3.slice([0, t, 0], [batch, 1, 3 * hidden]).reshape([batch, 3 * hidden]);
      let gh: tf.Tensor = tf.matMul(h, w.wHh).add(w.bHh);
      if (w.ln) gh = layerNorm(gh, w.ln.hhGain, w.ln.hhBias, w.ln.eps);
      const [iR, iZ, iN] = tf.split(git, 3, 1);
      const [hR, hZ, hN] = tf.split(gh, 3, 1);
      const r = tf.sigmoid(iR!.add(hR!));
      const z = tf.sigmoid(iZ!.add(hZ!));
      const n = tf.tanh(iN!.add(r.mul(hN!)));
      const next = tf.sub(1, z).mul(n).add(z.mul(h)) as tf.Tensor2D;
      if (lens.every((l) => l > t)) {
        h = next;
      } else {
        const live = tf.tensor2d(
          lens.map((l) => (l > t ? 1 : 0)),
          [batch, 1],
        );
        h = next.mul(live).add(h.mul(tf.sub(1, live))) as tf.Tensor2D;
      }
    }
    return h;
  });
}
