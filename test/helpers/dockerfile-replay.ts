/**
 * Replays the repo's Dockerfile without a Docker engine (none runs on the CI
 * machines): each stage gets a folder standing for its file system, COPY
 * copies from the build context (minus .dockerignore) or from an earlier
 * stage, RUN runs its npm commands in the stage's WORKDIR with the stage's
 * ENV. What the image would hold is then a folder the tests can run.
 *
 * Only the instructions and RUN commands the Dockerfile uses are known; any
 * other one throws, so a Dockerfile change the replay cannot follow fails the
 * test instead of being skipped.
 */
import { execFile } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface Instruction {
  readonly keyword: string;
  readonly args: string;
}

export interface Stage {
  readonly name: string | undefined;
  readonly base: string;
  /** The folder standing for the stage's `/`. */
  readonly root: string;
  workdir: string;
  readonly env: Record<string, string>;
  user: string | undefined;
  entrypoint: readonly string[] | undefined;
  readonly exposed: number[];
  readonly volumes: string[];
  /** `chown OWNER PATH` commands seen, for the tests to check (the replay runs as the test's user). */
  readonly chowned: Map<string, string>;
}

/** Instructions with continuation lines joined and comments dropped. */
export function parseDockerfile(text: string): Instruction[] {
  const instructions: Instruction[] = [];
  let pending = '';
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line.startsWith('#') || (line === '' && pending === '')) continue;
    const continued = line.endsWith('\\');
    pending += `${continued ? line.slice(0, -1) : line} `;
    if (continued) continue;
    const [, keyword = '', args = ''] = /^(\S+)\s*(.*)$/.exec(pending.trim()) ?? [];
    instructions.push({ keyword: keyword.toUpperCase(), args: args.trim() });
    pending = '';
  }
  return instructions;
}

/** Top-level names .dockerignore leaves out (the repo's file lists plain names only). */
function ignoredNames(context: string): Set<string> {
  const file = path.join(context, '.dockerignore');
  if (!existsSync(file)) return new Set();
  const names = readFileSync(file, 'utf8')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'));
  for (const name of names) {
    if (/[*?!/]/.test(name)) throw new Error(`.dockerignore pattern ${name} is not a plain name; teach the replay`);
  }
  return new Set(names);
}

/** `ENV a=1 b=2` and `ENV a 1`. */
function parseEnv(args: string): Record<string, string> {
  if (!args.includes('=')) {
    const [key = '', ...rest] = args.split(/\s+/);
    return { [key]: rest.join(' ') };
  }
  const env: Record<string, string> = {};
  for (const pair of args.split(/\s+/)) {
    const eq = pair.indexOf('=');
    env[pair.slice(0, eq)] = pair.slice(eq + 1).replace(/^"(.*)"$/, '$1');
  }
  return env;
}

export class DockerfileReplay {
  readonly stages: Stage[] = [];
  private readonly ignored: Set<string>;

  constructor(
    private readonly context: string,
    private readonly into: string,
  ) {
    this.ignored = ignoredNames(context);
  }

  /** Where a path of `stage`'s file system lives on this machine (relative paths start at its WORKDIR). */
  hostPath(stage: Stage, inImage: string): string {
    const absolute = path.posix.isAbsolute(inImage) ? inImage : path.posix.join(stage.workdir, inImage);
    return path.join(stage.root, absolute);
  }

  get final(): Stage {
    const stage = this.stages.at(-1);
    if (stage === undefined) throw new Error('the Dockerfile has no FROM');
    return stage;
  }

  async replay(instructions: readonly Instruction[]): Promise<void> {
    for (const { keyword, args } of instructions) {
      if (keyword === 'FROM') {
        this.from(args);
        continue;
      }
      const stage = this.final;
      switch (keyword) {
        case 'WORKDIR':
          stage.workdir = path.posix.resolve(stage.workdir, args);
          mkdirSync(this.hostPath(stage, stage.workdir), { recursive: true });
          break;
        case 'COPY':
          this.copy(stage, args);
          break;
        case 'ENV':
          Object.assign(stage.env, parseEnv(args));
          break;
        case 'RUN':
          for (const command of args.split('&&').map((c) => c.trim())) await this.runCommand(stage, command);
          break;
        case 'USER':
          stage.user = args;
          break;
        case 'EXPOSE':
          stage.exposed.push(...args.split(/\s+/).map(Number));
          break;
        case 'VOLUME':
          stage.volumes.push(...args.split(/\s+/));
          break;
        case 'ENTRYPOINT':
          stage.entrypoint = JSON.parse(args) as string[];
          break;
        default:
          throw new Error(`the replay does not know the instruction ${keyword}`);
      }
    }
  }

  private from(args: string): void {
    const [, base = '', name] = /^(\S+)(?:\s+AS\s+(\S+))?$/i.exec(args) ?? [];
    const root = path.join(this.into, `stage-${this.stages.length}`);
    mkdirSync(root, { recursive: true });
    this.stages.push({
      name,
      base,
      root,
      workdir: '/',
      env: {},
      user: undefined,
      entrypoint: undefined,
      exposed: [],
      volumes: [],
      chowned: new Map(),
    });
  }

  private copy(stage: Stage, args: string): void {
    const words = args.split(/\s+/);
    const flags = words.filter((w) => w.startsWith('--'));
    const [dest = '', ...sources] = words.filter((w) => !w.startsWith('--')).reverse();
    sources.reverse();
    const fromFlag = flags.find((f) => f.startsWith('--from='));
    const unknown = flags.filter((f) => f !== fromFlag);
    if (unknown.length > 0) throw new Error(`the replay does not know COPY ${unknown.join(' ')}`);
    const from = fromFlag === undefined ? undefined : this.stages.find((s) => s.name === fromFlag.slice('--from='.length));
    if (fromFlag !== undefined && from === undefined) throw new Error(`COPY ${fromFlag}: no such stage`);
    const target = this.hostPath(stage, dest);
    const intoFolder = dest.endsWith('/') || sources.length > 1;
    for (const source of sources) {
      const origin = from === undefined ? path.join(this.context, source) : this.hostPath(from, source);
      if (!existsSync(origin)) throw new Error(`COPY ${source}: not found`);
      if (statSync(origin).isDirectory()) {
        // As Docker does: a folder's contents go into the destination.
        mkdirSync(target, { recursive: true });
        for (const entry of readdirSync(origin)) {
          if (from === undefined && this.ignored.has(entry) && source === '.') continue;
          cpSync(path.join(origin, entry), path.join(target, entry), { recursive: true });
        }
      } else {
        const file = intoFolder ? path.join(target, path.basename(source)) : target;
        mkdirSync(path.dirname(file), { recursive: true });
        cpSync(origin, file);
      }
    }
  }

  private async runCommand(stage: Stage, command: string): Promise<void> {
    const words = command.split(/\s+/);
    if (words[0] === 'npm') {
      // The host's npm in the stage's WORKDIR, with the stage's ENV over the host's.
      try {
        await run('sh', ['-c', command], {
          cwd: this.hostPath(stage, stage.workdir),
          env: { ...process.env, ...stage.env },
          maxBuffer: 64 << 20,
        });
      } catch (error) {
        const { stdout = '', stderr = '' } = error as { stdout?: string; stderr?: string };
        throw new Error(`RUN ${command} failed:\n${stdout}${stderr}`);
      }
      return;
    }
    if (words[0] === 'mkdir' && words.length === 2 && words[1] !== undefined) {
      mkdirSync(this.hostPath(stage, words[1]), { recursive: true });
      return;
    }
    if (words[0] === 'chown' && words.length === 3 && words[1] !== undefined && words[2] !== undefined) {
      stage.chowned.set(words[2], words[1]);
      return;
    }
    throw new Error(`the replay does not know how to run: ${command}`);
  }
}
