/**
 * A small tmpfs for the full-disk fault tests. Mounting one needs root: CI runs as root; elsewhere
 * the tests are skipped (in CI a missing permission is a failure, so `inCi` tells them apart).
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { userInfo } from 'node:os';

/** Whether the tests run in CI (`CI` set to anything but empty, `false` or `0`). */
export const inCi = !['', 'false', '0'].includes(process.env.CI ?? '');

/** Whether a tmpfs is mounted, or why it could not be; `unmount` is safe to call either way. */
export interface Tmpfs {
  readonly mounted: boolean;
  readonly refusal: string;
  unmount(): void;
}

/** Mount a tmpfs of `size` (`2m`, `16m`) on `dir` (made if missing). */
export function mountTmpfs(dir: string, size: string): Tmpfs {
  const none = (refusal: string): Tmpfs => ({ mounted: false, refusal, unmount: () => undefined });
  if (userInfo().uid !== 0) return none('not root');
  try {
    mkdirSync(dir, { recursive: true });
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', dir], { stdio: 'pipe' });
  } catch (error) {
    return none(String((error as { stderr?: Buffer }).stderr ?? error));
  }
  return { mounted: true, refusal: '', unmount: () => execFileSync('umount', [dir]) };
}
