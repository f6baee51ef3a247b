/** A promise with its resolve: a holder awaits `wait` in a hook, the test calls `open` to let it go. */
export function gate(): { wait: Promise<void>; open: () => void } {
  let open = () => undefined as void;
  const wait = new Promise<void>((resolve) => { open = resolve; });
  return { wait, open };
}
