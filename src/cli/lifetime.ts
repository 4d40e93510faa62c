/**
 * @module cli/lifetime — when a foreground server stops: on SIGINT, SIGTERM or SIGHUP, and, when npm started it,
 * once its parent process is gone. `npx groupgate serve` runs as npm → sh → node; npm forwards SIGTERM to sh, which
 * dies of it without passing it on, so the server would live on as an orphan. Watching the parent catches that
 * path. Started any other way, the parent is whoever launched it — a shell the server may rightly outlive (`nohup`,
 * `&` then `exit`) — and is not watched (docs/decisions.md).
 */

const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
/** How often the parent is looked for. */
const PARENT_CHECK_MS = 500;
/** A close that takes longer than this is cut short: the process exits anyway. */
const CLOSE_DEADLINE_MS = 10_000;

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Runs `close` then exits 0 on the first signal or, with `watchParent`, once the parent is gone; a second signal
 * exits at once. A parent of pid 1 (init, a container's entry point, a service manager) is never watched: it
 * outlives everything.
 */
export function stopOnSignalOrOrphaned(
  close: () => Promise<void>,
  log: (reason: string) => void,
  watchParent: boolean,
): void {
  const parent = process.ppid;
  let watch: NodeJS.Timeout | undefined;
  let stopping = false;
  const stop = (reason: string) => {
    if (stopping) process.exit(1);
    stopping = true;
    clearInterval(watch);
    log(reason);
    setTimeout(() => process.exit(1), CLOSE_DEADLINE_MS).unref();
    close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  for (const signal of SIGNALS) process.on(signal, () => stop(signal));
  if (watchParent && parent > 1) {
    watch = setInterval(() => {
      if (!isAlive(parent)) stop('parent process exited');
    }, PARENT_CHECK_MS);
    watch.unref();
  }
}
