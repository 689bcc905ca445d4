/**
 * CLI progress: a cli-progress bar with rate and ETA on a terminal; on a pipe, a line every few
 * seconds instead, so logs stay readable. Always on stderr: stdout carries results (and --json).
 */
import cliProgress from 'cli-progress';
import type { Progress } from '../shared/contract.js';

export class ProgressView {
  private bar: cliProgress.SingleBar | null = null;
  private phase = '';
  private lastLine = 0;

  constructor(
    private readonly out: NodeJS.WriteStream,
    private readonly enabled: boolean,
  ) {}

  update(p: Progress): void {
    if (!this.enabled) return;
    const tty = this.out.isTTY === true;
    if (p.total <= 0) {
      this.stopBar();
      this.out.write(`${p.phase}${p.message ? `: ${p.message}` : ''}\n`);
      return;
    }
    if (!tty) {
      const now = Date.now();
      if (now - this.lastLine < 5000 && p.done < p.total) return;
      this.lastLine = now;
      const eta = p.eta !== null ? `, ETA ${Math.round(p.eta)} s` : '';
      this.out.write(
        `${p.phase} ${p.done}/${p.total}${eta}${p.loss !== undefined ? `, loss ${p.loss.toFixed(3)}` : ''}\n`,
      );
      return;
    }
    if (!this.bar || this.phase !== p.phase) {
      this.stopBar();
      this.phase = p.phase;
      this.bar = new cliProgress.SingleBar(
        {
          stream: this.out,
          format: `${p.phase} [{bar}] {value}/{total} | ETA {eta_formatted} | {info}`,
          etaBuffer: 50,
          hideCursor: true,
        },
        cliProgress.Presets.shades_classic,
      );
      this.bar.start(p.total, p.done, { info: '' });
    }
    this.bar.setTotal(p.total);
    this.bar.update(p.done, {
      info: [p.loss !== undefined ? `loss ${p.loss.toFixed(3)}` : '', p.message ?? ''].filter(Boolean).join(' '),
    });
  }

  private stopBar(): void {
    this.bar?.stop();
    this.bar = null;
  }

  stop(): void {
    this.stopBar();
  }
}
