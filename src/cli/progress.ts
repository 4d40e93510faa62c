/**
 * @module cli/progress — a progress bar for bulk work, on stderr so that `--json` output stays clean, drawn only
 * when stderr is a terminal. The summary line is the caller's, printed either way.
 */

export interface ProgressBar {
  update(done: number, counts: { ok: number; failed: number }): void;
  stop(): void;
}

export async function progressBar(total: number, label: string): Promise<ProgressBar> {
  if (process.stderr.isTTY !== true || total === 0) return { update: () => undefined, stop: () => undefined };
  const { default: cliProgress } = await import('cli-progress');
  const started = Date.now();
  const bar = new cliProgress.SingleBar(
    {
      stream: process.stderr,
      format: `${label} [{bar}] {value}/{total} | {rate}/s | ok {ok} | failed {failed} | {eta_formatted} left`,
      hideCursor: true,
    },
    cliProgress.Presets.shades_classic,
  );
  bar.start(total, 0, { ok: 0, failed: 0, rate: 0 });
  return {
    update(done, counts) {
      const seconds = (Date.now() - started) / 1000;
      bar.update(done, { ...counts, rate: seconds > 0 ? Math.round(done / seconds) : 0 });
    },
    stop: () => bar.stop(),
  };
}
