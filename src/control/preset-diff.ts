/**
 * How a stored control-plane state differs from a preset, in the terms a
 * user acts on: roles, role associations, cluster parameters. The state
 * survives restarts (it lives in the upstream database), so an emulator
 * started with `--control-preset demo` after someone walked the `bare`
 * preset's steps would otherwise refuse SageMaker with no word why: the
 * start-up banner prints these lines, and `--control-reset` (or
 * `POST /_aurora-ml/control/reset`) puts the preset back.
 */
import type { Cluster, ControlState } from './model.ts';

/** One line per difference, at most `limit` (the rest counted); empty when the state is the preset's. */
export function describeDifferences(stored: ControlState, preset: ControlState, limit = 6): string[] {
  const lines: string[] = [];
  for (const name of Object.keys(preset.roles)) {
    if (stored.roles[name] === undefined) lines.push(`IAM role ${name} is missing`);
    else if (JSON.stringify(stored.roles[name]?.inlinePolicies) !== JSON.stringify(preset.roles[name]?.inlinePolicies))
      lines.push(`IAM role ${name} has other policies`);
  }
  for (const name of Object.keys(stored.roles)) {
    if (preset.roles[name] === undefined) lines.push(`IAM role ${name} was added`);
  }
  for (const [id, want] of Object.entries(preset.clusters)) {
    const have = stored.clusters[id];
    if (have === undefined) {
      lines.push(`cluster ${id} is missing`);
      continue;
    }
    lines.push(...associationDifferences(id, have, want), ...parameterDifferences(id, have, want));
  }
  if (lines.length <= limit) return lines;
  return [...lines.slice(0, limit), `and ${lines.length - limit} more`];
}

function associationDifferences(id: string, have: Cluster, want: Cluster): string[] {
  const key = (r: { roleArn: string; featureName: string | null }) => `${r.featureName ?? '(no feature)'} ${r.roleArn}`;
  const had = new Set(have.associatedRoles.map(key));
  const wanted = new Set(want.associatedRoles.map(key));
  return [
    ...[...wanted].filter((k) => !had.has(k)).map((k) => `cluster ${id} lacks the association ${k}`),
    ...[...had].filter((k) => !wanted.has(k)).map((k) => `cluster ${id} has the extra association ${k}`),
  ];
}

function parameterDifferences(id: string, have: Cluster, want: Cluster): string[] {
  const names = new Set([...Object.keys(have.parameters), ...Object.keys(want.parameters)]);
  const lines: string[] = [];
  for (const name of [...names].sort()) {
    const a = have.parameters[name]?.value ?? '';
    const b = want.parameters[name]?.value ?? '';
    if (a !== b) lines.push(`cluster ${id} parameter ${name} = '${a}' (preset: '${b}')`);
  }
  return lines;
}

/** Replaces `draft`'s content with the preset's, keeping its version (the store bumps it). */
export function resetTo(draft: ControlState, preset: ControlState): void {
  const version = draft.version;
  Object.assign(draft, structuredClone(preset), { version });
}
