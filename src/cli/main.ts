/**
 * The `glimpse` command line. Every command speaks the typed API contract, accepts --json and
 * --data-dir, names the tfjs backend it ran on, and exits non-zero with a one-line error.
 */
import { Command, Option, InvalidArgumentError } from 'commander';
import { createEngineApi } from '../main/core/api.js';
import { defaultDataDir, defaultModelDir } from '../main/core/paths.js';
import type { Result, Progress, RecallSummary } from '../shared/contract.js';
import { ProgressView } from './progress.js';

interface GlobalOpts { json?: boolean; dataDir?: string }

const num = (v: string): number => {
  const n = Number(v);
  if (!Number.isFinite(n)) throw new InvalidArgumentError(`"${v}" is not a number`);
  return n;
};
const int = (v: string): number => {
  const n = num(v);
  if (!Number.isInteger(n)) throw new InvalidArgumentError(`"${v}" is not a whole number`);
  return n;
};

function withCommon(cmd: Command): Command {
  return cmd
    .option('--json', 'print one JSON document on stdout')
    .addOption(new Option('--data-dir <dir>', 'Glimpse data folder').env('GLIMPSE_DATA_DIR').default(defaultDataDir(), 'platform user data dir'));
}

/** Prints a result and sets the exit code; human output always names the backend. */
function finish<T extends { backend?: string }>(res: Result<T>, opts: GlobalOpts, human: (v: T) => string[]): void {
  if (!res.ok) {
    if (opts.json) process.stdout.write(JSON.stringify({ ok: false, error: res.error }) + '\n');
    process.stderr.write(`glimpse: ${res.error.message}\n`);
    process.exitCode = res.error.code === 'cancelled' ? 130 : 1;
    return;
  }
  if (opts.json) process.stdout.write(JSON.stringify(res.value) + '\n');
  else process.stdout.write([`backend: ${res.value.backend ?? 'none'}`, ...human(res.value)].join('\n') + '\n');
}

function recallLines(m: RecallSummary): string[] {
  const f = (x: number) => x.toFixed(1);
  return [
    `i2t: R@1 ${f(m.i2t.r1)}  R@5 ${f(m.i2t.r5)}  R@10 ${f(m.i2t.r10)}  medr ${m.i2t.medr}  meanr ${f(m.i2t.meanr)}`,
    `t2i: R@1 ${f(m.t2i.r1)}  R@5 ${f(m.t2i.r5)}  R@10 ${f(m.t2i.r10)}  medr ${m.t2i.medr}  meanr ${f(m.t2i.meanr)}`,
    `rsum: ${f(m.rsum)}`,
  ];
}

/** Ctrl-C once: stop cleanly (training writes a checkpoint). Twice: quit now. */
function interruptible(): AbortController {
  const ac = new AbortController();
  process.on('SIGINT', () => {
    if (ac.signal.aborted) process.exit(130);
    process.stderr.write('\nglimpse: stopping after this step (Ctrl-C again to quit now)…\n');
    ac.abort();
  });
  process.on('SIGTERM', () => ac.abort());
  return ac;
}

function progress(opts: GlobalOpts): { onProgress: (p: Progress) => void; stop: () => void } {
  const view = new ProgressView(process.stderr, !opts.json);
  return { onProgress: (p) => view.update(p), stop: () => view.stop() };
}

export function buildProgram(): Command {
  const program = new Command('glimpse')
    .description('Find photos by description and caption them, offline (VSE++).')
    .showHelpAfterError('(run with --help for usage)')
    .configureOutput({ outputError: (str, write) => write(`glimpse: ${str.replace(/^error: /, '').trim()}\n`) });
  const api = () => createEngineApi();

  withCommon(program.command('backend').description('show which tfjs backend runs here and why others were skipped'))
    .action(async (opts: GlobalOpts) => {
      finish(await api().backend({}), opts, (v) => [v.gpu ? 'GPU: yes' : 'GPU: no', ...v.skipped.map((s) => `skipped ${s.name}: ${s.reason}`)]);
    });

  withCommon(program.command('train').description('train a VSE++ model and write a bundle'))
    .requiredOption('--data <path>', 'Karpathy JSON, vsepp precomp folder, or image folder with captions')
    .option('--images <dir>', 'images folder for Karpathy JSON')
    .requiredOption('--out <dir>', 'bundle folder to write')
    .option('--backbone <spec>', '"tiny-cnn" or a bundle folder whose image backbone to reuse')
    .option('--resume', 'continue from the checkpoint in --out')
    .option('--float16', 'store weights as float16')
    .option('--name <name>', 'model name for the card')
    .option('--word-dim <n>', 'word embedding size (300)', int)
    .option('--embed-size <n>', 'joint space / GRU size (1024)', int)
    .option('--margin <x>', 'hinge margin (0.2)', num)
    .option('--no-max-violation', 'sum over all negatives (VSE0) instead of the hardest')
    .option('--layer-norm', 'layer-normalised GRU')
    .option('--lr <x>', 'learning rate (2e-4)', num)
    .option('--lr-update <n>', 'epochs between lr x0.1 (15)', int)
    .option('--grad-clip <x>', 'gradient norm clip (2.0)', num)
    .option('--batch-size <n>', 'batch size (128)', int)
    .option('--epochs <n>', 'epochs (30)', int)
    .option('--val-step <n>', 'validate every n steps (500)', int)
    .option('--vocab-threshold <n>', 'min word count (4)', int)
    .option('--finetune-cnn', 'train the image backbone too')
    .option('--augment', 'random resized crop + flip')
    .option('--no-img-norm', 'skip the final image L2 norm')
    .option('--abs', 'absolute value of embeddings')
    .option('--seed <n>', 'random seed (0)', int)
    .action(async (o: GlobalOpts & Record<string, unknown>) => {
      const map: Record<string, string> = {
        wordDim: 'wordDim', embedSize: 'embedSize', margin: 'margin', layerNorm: 'layerNorm', lr: 'learningRate', lrUpdate: 'lrUpdate',
        gradClip: 'gradClip', batchSize: 'batchSize', epochs: 'numEpochs', valStep: 'valStep', vocabThreshold: 'vocabThreshold',
        finetuneCnn: 'finetuneCnn', augment: 'augment', abs: 'useAbs', seed: 'seed',
      };
      const config: Record<string, number | boolean> = {};
      for (const [flag, key] of Object.entries(map)) if (o[flag] !== undefined) config[key] = o[flag] as number | boolean;
      if (o.maxViolation === false) config.maxViolation = false;
      if (o.imgNorm === false) config.noImgNorm = true;
      const ac = interruptible();
      const p = progress(o);
      const res = await api().train({
        data: o.data as string, images: o.images as string | undefined, out: o.out as string, backbone: o.backbone as string | undefined,
        config, resume: Boolean(o.resume), float16: Boolean(o.float16), ...(o.name ? { name: o.name as string } : {}),
      }, { signal: ac.signal, onProgress: p.onProgress });
      p.stop();
      if (res.ok && res.value.status === 'interrupted') process.exitCode = 130;
      finish(res, o, (v) => [
        v.status === 'interrupted' ? `interrupted at step ${v.steps}: checkpoint saved; continue with --resume` : `${v.status}: ${v.steps} steps, ${v.epochs} epochs in ${v.seconds.toFixed(1)} s`,
        v.modelId ? `model ${v.modelId} written to ${v.out}` : '',
        ...(v.best.metrics ? [`best validation (step ${v.best.step}):`, ...recallLines(v.best.metrics)] : []),
        v.skipped.train.total + v.skipped.val.total > 0 ? `skipped records: ${[...v.skipped.train.reasons, ...v.skipped.val.reasons].map((r) => `${r.reason} x${r.count}`).join(', ')}` : '',
        `log: ${v.logPath}`,
      ].filter(Boolean));
    });

  withCommon(program.command('eval').description('evaluate a model bundle: R@1/5/10, medr, meanr, rsum'))
    .requiredOption('--data <path>', 'Karpathy JSON, vsepp precomp folder, or image folder with captions')
    .option('--images <dir>', 'images folder for Karpathy JSON')
    .option('--model <dir>', 'model bundle (default: the current model)')
    .option('--split <name>', 'split to evaluate', 'test')
    .option('--fold5', 'average 5 folds of 1000 images (COCO 1K)')
    .action(async (o: GlobalOpts & { data: string; images?: string; model?: string; split: string; fold5?: boolean }) => {
      const ac = interruptible();
      const p = progress(o);
      const res = await api().evaluate({ data: o.data, images: o.images, model: o.model ?? defaultModelDir(o.dataDir!), split: o.split, fold5: Boolean(o.fold5) },
        { signal: ac.signal, onProgress: p.onProgress });
      p.stop();
      finish(res, o, (v) => [`model ${v.modelId}; split ${v.split}${v.fold5 ? ' (5-fold 1K)' : ''}: ${v.images} images, ${v.captions} captions`, ...recallLines(v.metrics)]);
    });

  withCommon(program.command('finetune').description('fine-tune a bundle on your labelled photos; writes a new bundle'))
    .requiredOption('--data <dir>', 'folder of labelled photos (sidecar captions or album folders)')
    .option('--model <dir>', 'bundle to start from (default: the current model)')
    .requiredOption('--out <dir>', 'new bundle folder')
    .option('--epochs <n>', 'most epochs (10)', int)
    .option('--lr <x>', 'learning rate (2e-5)', num)
    .option('--held-out <x>', 'share of photos held out (0.2)', num)
    .option('--patience <n>', 'epochs without improvement before stopping (3)', int)
    .option('--batch-size <n>', 'batch size (32)', int)
    .option('--seed <n>', 'random seed (0)', int)
    .action(async (o: GlobalOpts & { data: string; model?: string; out: string; epochs?: number; lr?: number; heldOut?: number; patience?: number; batchSize?: number; seed?: number }) => {
      const ac = interruptible();
      const p = progress(o);
      const res = await api().finetune({
        model: o.model ?? defaultModelDir(o.dataDir!), data: o.data, out: o.out, epochs: o.epochs, learningRate: o.lr,
        heldOut: o.heldOut, patience: o.patience, batchSize: o.batchSize, seed: o.seed,
      }, { signal: ac.signal, onProgress: p.onProgress });
      p.stop();
      finish(res, o, (v) => [
        `${v.status}: ${v.pairs} training pairs, ${v.newWords} new words, ${v.heldOutImages} held-out photos`,
        'before:', ...recallLines(v.before), ...(v.after ? ['after:', ...recallLines(v.after)] : []),
        v.modelId ? `model ${v.modelId} written to ${v.out}` : 'no new model written',
      ]);
    });

  withCommon(program.command('serve').description('web mode: the UI and API on 127.0.0.1'))
    .option('--port <n>', 'port', int)
    .action((o: GlobalOpts) => {
      finish({ ok: false, error: { code: 'unavailable', message: 'web mode is not part of this build yet (it arrives with the desktop-app work)' } }, o, () => []);
    });

  return program;
}

const isMain = process.argv[1] !== undefined && /[\\/]cli[\\/]main\.ts$/.test(process.argv[1]);
if (isMain) {
  buildProgram().parseAsync(process.argv).catch((err: unknown) => {
    process.stderr.write(`glimpse: ${(err as Error).message ?? String(err)}\n`);
    process.exitCode = 1;
  });
}
