/**
 * The pluggable image backbone: any tfjs layers or graph model, with its input size, mean/std and
 * the feature node declared in the bundle. Spatial feature maps are average-pooled to a vector.
 */
import * as tf from '@tensorflow/tfjs';
import { z } from 'zod';
import { isAbsolute, join, sep } from 'node:path';
import { existsSync, realpathSync } from 'node:fs';
import { readModelArtifacts, saveLayersModel, writeModelFolder } from '../weights-io.js';
import type { Preprocess } from '../data/images.js';

export const BackboneSpecSchema = z.object({
  /** Stable id, e.g. "nsfwjs-mobilenet_v2" or "tiny-cnn"; part of the model id stored with vectors. */
  id: z.string().min(1),
  format: z.enum(['tfjs-layers', 'tfjs-graph']),
  /** Folder with model.json, relative to the bundle and inside it. */
  path: z
    .string()
    .min(1)
    .refine((p) => !isAbsolute(p) && !p.split(/[\\/]/).includes('..'), 'must be a folder inside the bundle'),
  inputSize: z.number().int().positive(),
  mean: z.tuple([z.number(), z.number(), z.number()]),
  std: z.tuple([z.number().positive(), z.number().positive(), z.number().positive()]),
  /**
   * Layer name (layers models) or node name (graph models) whose output is the feature. Graph
   * models may name several nodes, each pooled over the image: "a@avg,b@max" (see parseFeatureNodes).
   */
  featureNode: z.string().min(1),
  featureDim: z.number().int().positive(),
  /** The eval transform: centre 'crop' (absent: the default) or 'fill' (whole image, for detectors). */
  fit: z.enum(['crop', 'fill']).optional(),
});
export type BackboneSpec = z.infer<typeof BackboneSpecSchema>;

/**
 * The feature nodes of a graph-model backbone: "node[@avg|@max]" joined by commas. Each node's
 * spatial map is average- (default) or max-pooled, and the vectors are concatenated in order. Max
 * pooling suits a detector's class heatmaps: "is there a cat anywhere", not "how much cat".
 */
export function parseFeatureNodes(featureNode: string): { node: string; pool: 'avg' | 'max' }[] {
  return featureNode.split(',').map((part) => {
    const at = part.lastIndexOf('@');
    const pool = at < 0 ? 'avg' : part.slice(at + 1);
    if (pool !== 'avg' && pool !== 'max') throw new Error(`feature node "${part}": pooling must be @avg or @max`);
    const node = at < 0 ? part : part.slice(0, at);
    if (!node) throw new Error(`feature node "${part}": no node name`);
    return { node, pool };
  });
}

/** How photos are prepared for a backbone, from its spec alone (no weights loaded). */
export function preprocessOf(spec: BackboneSpec): Preprocess {
  return {
    inputSize: spec.inputSize,
    mean: spec.mean,
    std: spec.std,
    ...(spec.fit ? { fit: spec.fit } : {}),
  };
}

export class Backbone {
  private constructor(
    readonly spec: BackboneSpec,
    private readonly layers: tf.LayersModel | null,
    private readonly graph: tf.GraphModel | null,
    /** A graph model's files as loaded: it can't be re-serialised, so saving copies them. */
    private readonly graphArtifacts: tf.io.ModelArtifacts | null = null,
  ) {}

  get preprocess(): Preprocess {
    return preprocessOf(this.spec);
  }

  static async load(spec: BackboneSpec, bundleDir: string): Promise<Backbone> {
    const dir = join(bundleDir, spec.path);
    if (!existsSync(dir)) throw new Error(`${dir}: missing (the bundle's backbone folder)`);
    const real = realpathSync(dir);
    if (!real.startsWith(realpathSync(bundleDir) + sep))
      throw new Error(`${dir}: a link to ${real}, outside the bundle folder`);
    const artifacts = readModelArtifacts(dir);
    if (spec.format === 'tfjs-graph') {
      const g = await tf.loadGraphModel(tf.io.fromMemory(artifacts));
      return new Backbone(spec, null, g, artifacts);
    }
    const full = await tf.loadLayersModel(tf.io.fromMemory(artifacts));
    let layer: tf.layers.Layer;
    try {
      layer = full.getLayer(spec.featureNode);
    } catch {
      throw new Error(`${join(dir, 'model.json')}: no layer named "${spec.featureNode}" (the bundle's featureNode)`);
    }
    const sub = tf.model({ inputs: full.inputs, outputs: layer.output as tf.SymbolicTensor });
    return new Backbone(spec, sub, null);
  }

  /** Wraps an in-memory layers model (tests and `glimpse train` with a fresh small CNN). */
  static fromLayersModel(spec: BackboneSpec, model: tf.LayersModel): Backbone {
    return new Backbone(spec, model, null);
  }

  get trainable(): boolean {
    return this.layers !== null;
  }

  /** Trainable tf.Variables, in a stable order (the optimiser matches state by position). */
  trainableVariables(): tf.Variable[] {
    if (!this.layers) return [];
    return this.layers.trainableWeights.map((w) => w.read() as tf.Variable);
  }

  /** [B, S, S, 3] normalised pixels → [B, featureDim]. */
  features(x: tf.Tensor4D, training = false): tf.Tensor2D {
    return this.featuresWith(x, [], training).features;
  }

  /**
   * The features and, for a graph model, the raw outputs of the `extra` nodes from the same run
   * (a detector's heads). The caller disposes all of them.
   */
  featuresWith(x: tf.Tensor4D, extra: string[], training = false): { features: tf.Tensor2D; maps: tf.Tensor[] } {
    if (extra.length && !this.graph) throw new Error('only graph-model backbones have named output nodes');
    const maps: tf.Tensor[] = [];
    let features: tf.Tensor2D;
    try {
      features = this.tidyFeatures(x, extra, maps, training);
    } catch (err) {
      tf.dispose(maps);
      throw err;
    }
    return { features, maps };
  }

  private tidyFeatures(x: tf.Tensor4D, extra: string[], maps: tf.Tensor[], training: boolean): tf.Tensor2D {
    return tf.tidy(() => {
      let out: tf.Tensor;
      if (this.layers) out = this.layers.apply(x, { training }) as tf.Tensor;
      else {
        const nodes = parseFeatureNodes(this.spec.featureNode);
        // A node may be both a feature and an extra (the heatmap): it is asked for once.
        const names = [...new Set([...nodes.map((n) => n.node), ...extra])];
        const outs = this.graph!.execute(x, names) as tf.Tensor | tf.Tensor[];
        const list = Array.isArray(outs) ? outs : [outs];
        const byName = (name: string) => list[names.indexOf(name)]!;
        for (const name of extra) maps.push(tf.keep(byName(name)));
        out = tf.concat(
          nodes
            .map((n) => byName(n.node))
            .map((m, i) =>
              m.rank !== 4 ? m.reshape([m.shape[0]!, -1]) : nodes[i]!.pool === 'max' ? m.max([1, 2]) : m.mean([1, 2]),
            ),
          1,
        );
      }
      if (out.rank === 4) out = out.mean([1, 2]);
      else if (out.rank !== 2) out = out.reshape([out.shape[0]!, -1]);
      if (out.shape[1] !== this.spec.featureDim) {
        throw new Error(
          `backbone "${this.spec.id}" gives ${out.shape[1]}-d features; the bundle declares ${this.spec.featureDim}`,
        );
      }
      return out as tf.Tensor2D;
    });
  }

  /** Overwrites this backbone's weights with another's of the same architecture (resume, best). */
  copyWeightsFrom(other: Backbone): void {
    if (!this.layers || !other.layers) throw new Error('only layers-model backbones carry trainable weights');
    this.layers.setWeights(other.layers.getWeights());
  }

  async save(bundleDir: string): Promise<void> {
    if (this.graphArtifacts) {
      const a = this.graphArtifacts;
      writeModelFolder(
        join(bundleDir, this.spec.path),
        'graph-model',
        a.modelTopology,
        a.weightSpecs ?? [],
        new Uint8Array(a.weightData as ArrayBuffer),
      );
      return;
    }
    if (!this.layers) throw new Error('only layers-model backbones can be re-saved');
    await saveLayersModel(this.layers, join(bundleDir, this.spec.path));
  }

  dispose(): void {
    this.layers?.dispose();
    this.graph?.dispose();
  }
}

/**
 * A small CNN for tests, tiny datasets and CPU fine-tuning checks: conv–pool ×2, then global
 * average pooling as the feature node.
 */
export function tinyCnn(inputSize = 32, featureDim = 32, seed = 0): Backbone {
  const init = (k: number) => tf.initializers.glorotUniform({ seed: seed + k });
  const model = tf.sequential({
    layers: [
      tf.layers.conv2d({
        inputShape: [inputSize, inputSize, 3],
        filters: 16,
        kernelSize: 3,
        padding: 'same',
        activation: 'relu',
        kernelInitializer: init(1),
        name: 'conv1',
      }),
      tf.layers.maxPooling2d({ poolSize: 2, name: 'pool1' }),
      tf.layers.conv2d({
        filters: featureDim,
        kernelSize: 3,
        padding: 'same',
        activation: 'relu',
        kernelInitializer: init(2),
        name: 'conv2',
      }),
      tf.layers.globalAveragePooling2d({ name: 'features' }),
    ],
  });
  return Backbone.fromLayersModel(
    {
      id: 'tiny-cnn',
      format: 'tfjs-layers',
      path: 'backbone',
      inputSize,
      mean: [0.485, 0.456, 0.406],
      std: [0.229, 0.224, 0.225],
      featureNode: 'features',
      featureDim,
    },
    model,
  );
}
