/**
 * @module testing/stops-answering — whether a server went away: the e2e tests that stop one through a parent
 * process (npx, a shell) watch its health endpoint until it no longer answers.
 */

/** Polls `url`'s health every 100 ms; true once nothing answers, false when it still answers after `withinMs`. */
export async function stopsAnswering(url: string, withinMs: number): Promise<boolean> {
  const deadline = Date.now() + withinMs;
  while (Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    const answered = await fetch(`${url}/_groupgate/health`).then(
      () => true,
      () => false,
    );
    if (!answered) return true;
  }
  return false;
}
