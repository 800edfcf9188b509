/**
 * The Debian-packaged connectors the matrix runs as child processes. A missing
 * one fails the case with the command that installs it: a silent skip would
 * let CI go green without ever running the connector.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { promisify } from 'node:util';

const run = promisify(execFile);

const INSTALL_HINT = 'run .ci/install-mysql-connectors.sh (as root) to install the MySQL connector matrix';

/** Debian's own interpreter: the pyenv python3 on PATH does not see python3-* packages. */
export const PYTHON = '/usr/bin/python3';
export const CONNECTOR_J = '/usr/share/java/mariadb-java-client.jar';
export const JAVA = '/usr/bin/java';

export async function requirePythonModule(module: string, debianPackage: string): Promise<void> {
  try {
    await run(PYTHON, ['-c', `import ${module}`]);
  } catch {
    throw new Error(`${PYTHON} cannot import ${module} (Debian package ${debianPackage} missing): ${INSTALL_HINT}`);
  }
}

export function requireConnectorJ(): void {
  if (!existsSync(JAVA)) throw new Error(`${JAVA} not found (Debian package default-jdk-headless missing): ${INSTALL_HINT}`);
  if (!existsSync(CONNECTOR_J))
    throw new Error(`${CONNECTOR_J} not found (Debian package libmariadb-java missing): ${INSTALL_HINT}`);
}

/** Runs a child to completion; a non-zero exit fails with its stderr. */
export async function runTool(
  command: string,
  args: readonly string[],
  timeoutMs = 60_000,
  env: NodeJS.ProcessEnv = process.env,
): Promise<string> {
  try {
    const { stdout } = await run(command, [...args], { timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024, env });
    return stdout;
  } catch (err) {
    const e = err as Error & { stderr?: string; stdout?: string };
    throw new Error(`${command} ${args.join(' ')} failed: ${e.message}\n${e.stderr ?? ''}${e.stdout ?? ''}`);
  }
}
