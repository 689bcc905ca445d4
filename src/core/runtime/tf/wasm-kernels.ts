/**
 * Kernel fixes for tfjs's wasm backend, registered before the backend is initialised.
 *
 * - UnsortedSegmentSum (the gradient of tf.gather, i.e. of every embedding lookup) is missing.
 * - Conv2DBackpropFilter (the weight gradient of conv layers) is missing, so CNN fine-tuning fails.
 * - BatchMatMul with a transposed operand is much slower than a plain one; every matMul gradient
 *   uses one. Transposing explicitly first, then running the plain kernel, is far faster.
 */
import * as tf from '@tensorflow/tfjs';
import type { KernelConfig, KernelFunc, TensorInfo, NamedAttrMap } from '@tensorflow/tfjs';

/** The slice of BackendWasm these kernels use (it is not exported as a type we can import cheaply). */
interface WasmBackendLike {
  readSync(dataId: object): unknown;
  makeOutput(shape: number[], dtype: tf.DataType): TensorInfo;
  typedArrayFromHeap(t: TensorInfo): Float32Array | Int32Array | Uint8Array;
  disposeData(dataId: object, force?: boolean): boolean;
}

let installed = false;

export function installWasmKernelFixes(): void {
  if (installed) return;
  installed = true;
  registerUnsortedSegmentSum();
  registerConv2DBackpropFilter();
  wrapTransposedMatMul('BatchMatMul');
  wrapTransposedMatMul('_FusedMatMul');
}

function registerUnsortedSegmentSum(): void {
  if (tf.getKernel('UnsortedSegmentSum', 'wasm')) return;
  const kernelFunc = ({
    inputs,
    backend,
    attrs,
  }: {
    inputs: Record<string, TensorInfo>;
    backend: unknown;
    attrs?: NamedAttrMap;
  }): TensorInfo => {
    const be = backend as WasmBackendLike;
    const x = inputs.x!;
    const ids = inputs.segmentIds!;
    const numSegments = (attrs as { numSegments: number }).numSegments;
    const xv = be.readSync(x.dataId) as Float32Array;
    const idv = be.readSync(ids.dataId) as Int32Array;
    const inner = x.shape.slice(1).reduce((a, b) => a * b, 1);
    const out = be.makeOutput([numSegments, ...x.shape.slice(1)], x.dtype);
    const ov = be.typedArrayFromHeap(out) as Float32Array;
    ov.fill(0);
    for (let i = 0; i < idv.length; i++) {
      const seg = idv[i]!;
      if (seg < 0 || seg >= numSegments) continue; // TF semantics: out-of-range ids are dropped
      const src = i * inner;
      const dst = seg * inner;
      for (let k = 0; k < inner; k++) ov[dst + k]! += xv[src + k]!;
    }
    return out;
  };
  tf.registerKernel({
    kernelName: 'UnsortedSegmentSum',
    backendName: 'wasm',
    kernelFunc: kernelFunc as unknown as KernelFunc,
  });
}

function registerConv2DBackpropFilter(): void {
  if (tf.getKernel('Conv2DBackpropFilter', 'wasm')) return;
  const kernelFunc = ({
    inputs,
    backend,
    attrs,
  }: {
    inputs: Record<string, TensorInfo>;
    backend: unknown;
    attrs?: NamedAttrMap;
  }): TensorInfo => {
    const be = backend as WasmBackendLike;
    const x = inputs.x!;
    const dy = inputs.dy!;
    const a = attrs as unknown as {
      strides: [number, number] | number;
      pad: 'valid' | 'same' | number;
      dataFormat: 'NHWC' | 'NCHW';
      dimRoundingMode?: 'floor' | 'round' | 'ceil';
      filterShape: [number, number, number, number];
    };
    if (a.dataFormat === 'NCHW') throw new Error('Conv2DBackpropFilter on wasm supports NHWC only');
    const info = tf.backend_util.computeConv2DInfo(
      x.shape as [number, number, number, number],
      a.filterShape,
      a.strides,
      1,
      a.pad,
      a.dimRoundingMode,
      false,
      'channelsLast',
    );
    const xv = be.readSync(x.dataId) as Float32Array;
    const dyv = be.readSync(dy.dataId) as Float32Array;
    const out = be.makeOutput(a.filterShape, 'float32');
    const dw = be.typedArrayFromHeap(out) as Float32Array;
    dw.fill(0);
    const {
      batchSize,
      inHeight,
      inWidth,
      inChannels,
      outHeight,
      outWidth,
      outChannels,
      strideHeight,
      strideWidth,
      filterHeight,
      filterWidth,
    } = info;
    const padTop = info.padInfo.top;
    const padLeft = info.padInfo.left;
    for (let fr = 0; fr < filterHeight; fr++) {
      for (let fc = 0; fc < filterWidth; fc++) {
        const wBase = (fr * filterWidth + fc) * inChannels * outChannels;
        for (let b = 0; b < batchSize; b++) {
          for (let yr = 0; yr < outHeight; yr++) {
            const xr = yr * strideHeight + fr - padTop;
            if (xr < 0 || xr >= inHeight) continue;
            for (let yc = 0; yc < outWidth; yc++) {
              const xc = yc * strideWidth + fc - padLeft;
              if (xc < 0 || xc >= inWidth) continue;
              const xOff = ((b * inHeight + xr) * inWidth + xc) * inChannels;
              const dyOff = ((b * outHeight + yr) * outWidth + yc) * outChannels;
              for (let d1 = 0; d1 < inChannels; d1++) {
                const xval = xv[xOff + d1]!;
                if (xval === 0) continue;
                const row = wBase + d1 * outChannels;
                for (let d2 = 0; d2 < outChannels; d2++) dw[row + d2]! += xval * dyv[dyOff + d2]!;
              }
            }
          }
        }
      }
    }
    return out;
  };
  tf.registerKernel({
    kernelName: 'Conv2DBackpropFilter',
    backendName: 'wasm',
    kernelFunc: kernelFunc as unknown as KernelFunc,
  });
}

/** Re-registers a matmul kernel so transposed operands are materialised before the fast plain path. */
function wrapTransposedMatMul(kernelName: string): void {
  const orig = tf.getKernel(kernelName, 'wasm') as KernelConfig | undefined;
  if (!orig) return;
  const transpose = (x: TensorInfo, backend: unknown): TensorInfo => {
    const t = tf.getKernel('Transpose', 'wasm')!;
    const rank = x.shape.length;
    const perm = [...Array(rank).keys()];
    perm[rank - 1] = rank - 2;
    perm[rank - 2] = rank - 1;
    return t.kernelFunc({ inputs: { x }, backend: backend as never, attrs: { perm } }) as TensorInfo;
  };
  const wrapped = (args: {
    inputs: Record<string, TensorInfo>;
    backend: unknown;
    attrs: NamedAttrMap;
  }): TensorInfo | TensorInfo[] => {
    const { transposeA, transposeB } = args.attrs as { transposeA: boolean; transposeB: boolean };
    if (!transposeA && !transposeB) return orig.kernelFunc(args as never);
    const be = args.backend as WasmBackendLike;
    const temps: TensorInfo[] = [];
    const inputs = { ...args.inputs };
    if (transposeA) {
      inputs.a = transpose(inputs.a!, be);
      temps.push(inputs.a);
    }
    if (transposeB) {
      inputs.b = transpose(inputs.b!, be);
      temps.push(inputs.b);
    }
    try {
      return orig.kernelFunc({
        ...args,
        inputs,
        attrs: { ...args.attrs, transposeA: false, transposeB: false },
      } as never);
    } finally {
      for (const t of temps) be.disposeData(t.dataId);
    }
  };
  tf.unregisterKernel(kernelName, 'wasm');
  tf.registerKernel({ ...orig, kernelFunc: wrapped as unknown as KernelFunc });
}
