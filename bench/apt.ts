/**
 * The bench's tools besides the databases (pgbouncer, sysbench, HAProxy) are
 * Debian packages; a missing one is installed with apt-get when the bench runs as
 * root, so a fresh machine needs no manual step. Otherwise it says what to do.
 */
import { existsSync } from 'node:fs';
import { isRoot, runCommand } from './util.ts';

function tail(text: string): string {
  return text.trim().split('\n').slice(-5).join('\n');
}

/** Makes sure `binary` exists, installing Debian package `pkg` if it does not. */
export async function ensureInstalled(binary: string, pkg: string): Promise<void> {
  if (existsSync(binary)) return;
  if (!isRoot()) {
    throw new Error(
      `${binary} is missing: install it with \`sudo apt-get install -y ${pkg}\` (the bench installs it only as root)`,
    );
  }
  console.error(`  ${binary} is missing: apt-get install -y ${pkg}`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  let result = await runCommand('apt-get', ['install', '-y', pkg], env);
  if (result.code !== 0) {
    // A fresh container often has no package lists yet.
    await runCommand('apt-get', ['update'], env);
    result = await runCommand('apt-get', ['install', '-y', pkg], env);
  }
  if (result.code !== 0 || !existsSync(binary)) {
    throw new Error(`apt-get install -y ${pkg} did not provide ${binary} (exit ${String(result.code)}): ${tail(result.stderr)}`);
  }
}
