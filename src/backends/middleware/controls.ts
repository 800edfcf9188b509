/**
 * BackendControls: the latency, capacity and fault settings in effect, per
 * service and per target (endpoint, model or Comprehend operation), read by
 * the middleware layers on every call and changeable while running. The API
 * layer serves getControls() and setControls(patch) as JSON; a bad patch
 * fails with an AWS-style ValidationException and changes nothing.
 *
 * One precedence rule everywhere (config file, GET, PATCH): a target's own
 * setting wins over its service's. A service-wide PATCH therefore does not
 * reach a target with its own setting of that key; rather than overriding it
 * silently (and having to restore it silently later), setControls answers
 * which targets kept their own setting, and the same patch can drop them
 * (`targets: { name: { faults: null } }`).
 */
import { AwsError } from '../../aws-error.ts';
import { SERVICES, type Service } from './call.ts';
import type { FaultState } from './faults.ts';
import { isPreset, PRESETS, type PresetName } from './presets.ts';
import type { CapacitySpec, FaultSpec, LatencySpec, Outcome, Tuning, TuningPatch } from './tuning.ts';
import { checkTuningPatch, TuningError } from './tuning.ts';

export interface ServiceTuning extends Tuning {
  /** Settings for one endpoint, model or operation; each one set replaces the service's. */
  readonly targets?: Readonly<Record<string, Tuning>>;
}

/** What getControls() returns (a copy: changing it changes nothing). */
export type ControlsSnapshot = { readonly preset: PresetName } & Readonly<Record<Service, ServiceTuning>>;

export interface ServicePatch extends TuningPatch {
  /** Per target: a patch, or null to drop the target's own settings. */
  readonly targets?: Readonly<Record<string, TuningPatch | null>>;
}

/** The body of setControls: a preset first (it resets every service's latency), then per-service patches. */
export type ControlsPatch = { readonly preset?: PresetName } & { readonly [S in Service]?: ServicePatch };

export const TUNING_SETTINGS = ['latency', 'capacity', 'faults'] as const;
export type TuningSetting = (typeof TUNING_SETTINGS)[number];

/**
 * Per service and setting the patch changed service-wide (a preset changes
 * every service's latency): the targets whose own setting still decides
 * their calls, so the service-wide change does not reach them.
 */
export type KeptOwnSetting = { readonly [S in Service]?: { readonly [K in TuningSetting]?: readonly string[] } };

/** What setControls returns: the settings now in effect, and which targets a service-wide change did not reach. */
export type ControlsOutcome = ControlsSnapshot & { readonly keptOwnSetting: KeptOwnSetting };

interface MutableTuning {
  latency?: LatencySpec;
  capacity?: CapacitySpec;
  faults?: { rates?: FaultSpec['rates']; queue?: Outcome[]; down?: boolean };
}

interface ServiceState extends MutableTuning {
  targets: Map<string, MutableTuning>;
}

const copy = <T>(value: T): T => (value === undefined ? value : (structuredClone(value) as T));

function applyPatch(into: MutableTuning, patch: TuningPatch): void {
  if (patch.latency !== undefined) into.latency = patch.latency ?? undefined;
  if (patch.capacity !== undefined) into.capacity = patch.capacity ?? undefined;
  if (patch.faults !== undefined)
    into.faults = patch.faults === null ? undefined : { ...copy(patch.faults), queue: [...(patch.faults.queue ?? [])] };
  for (const k of ['latency', 'capacity', 'faults'] as const) if (into[k] === undefined) delete into[k];
}

function snapshotOf(t: MutableTuning): Tuning {
  const out: { latency?: LatencySpec; capacity?: CapacitySpec; faults?: Tuning['faults'] } = {};
  if (t.latency) out.latency = copy(t.latency);
  if (t.capacity) out.capacity = copy(t.capacity);
  if (t.faults) out.faults = copy(t.faults);
  return out;
}

export class BackendControls {
  private preset: PresetName = 'none';
  private readonly state: Record<Service, ServiceState> = {
    comprehend: { targets: new Map() },
    sagemaker: { targets: new Map() },
    bedrock: { targets: new Map() },
  };

  /** Throws AwsError ValidationException on a bad patch (nothing is applied then). */
  constructor(initial: ControlsPatch = {}) {
    this.setControls(initial);
  }

  getControls(): ControlsSnapshot {
    const services = Object.fromEntries(
      SERVICES.map((s) => {
        const st = this.state[s];
        const targets = Object.fromEntries([...st.targets].map(([name, t]) => [name, snapshotOf(t)]));
        return [s, { ...snapshotOf(st), ...(st.targets.size > 0 ? { targets } : {}) }];
      }),
    ) as Record<Service, ServiceTuning>;
    return { preset: this.preset, ...services };
  }

  setControls(patch: unknown): ControlsOutcome {
    const checked = validatePatch(patch);
    if (checked.preset !== undefined) {
      this.preset = checked.preset;
      for (const s of SERVICES) {
        const latency = PRESETS[checked.preset][s];
        if (latency) this.state[s].latency = copy(latency);
        else delete this.state[s].latency;
      }
    }
    for (const s of SERVICES) {
      const p = checked[s];
      if (p === undefined) continue;
      const st = this.state[s];
      applyPatch(st, p);
      for (const [name, tp] of Object.entries(p.targets ?? {})) {
        if (tp === null) {
          st.targets.delete(name);
          continue;
        }
        const t = st.targets.get(name) ?? {};
        applyPatch(t, tp);
        st.targets.set(name, t);
      }
    }
    return { ...this.getControls(), keptOwnSetting: this.keptOwnSetting(checked) };
  }

  /** After `patch` is applied: for each setting it changed service-wide, the targets that have their own. */
  private keptOwnSetting(patch: ControlsPatch): KeptOwnSetting {
    const out: { [S in Service]?: { [K in TuningSetting]?: string[] } } = {};
    for (const s of SERVICES) {
      for (const key of TUNING_SETTINGS) {
        const changed = patch[s]?.[key] !== undefined || (key === 'latency' && patch.preset !== undefined);
        if (!changed) continue;
        const kept = [...this.state[s].targets].filter(([, t]) => t[key] !== undefined).map(([name]) => name);
        if (kept.length > 0) out[s] = { ...out[s], [key]: kept.sort() };
      }
    }
    return out;
  }

  /** The setting of `key` for a call: the target's own when it has one, else the service's. */
  private pick<K extends keyof MutableTuning>(service: string, target: string, key: K) {
    const st = this.state[service as Service];
    const own = st.targets.get(target)?.[key];
    return own !== undefined
      ? { value: own, scope: `${service}/${target}` }
      : st[key] === undefined
        ? undefined
        : { value: st[key], scope: service };
  }

  latencyFor(service: string, target: string): LatencySpec | undefined {
    return this.pick(service, target, 'latency')?.value as LatencySpec | undefined;
  }

  capacityFor(service: string, target: string): { spec: CapacitySpec; scope: string } | undefined {
    const found = this.pick(service, target, 'capacity');
    return found === undefined ? undefined : { spec: found.value as CapacitySpec, scope: found.scope };
  }

  faultsFor(service: string, target: string): FaultState | undefined {
    const faults = this.pick(service, target, 'faults')?.value as MutableTuning['faults'];
    if (faults === undefined) return undefined;
    return { spec: faults, takeQueued: () => faults.queue?.shift() };
  }
}

function validatePatch(patch: unknown): ControlsPatch {
  try {
    return checkControlsPatch(patch);
  } catch (err) {
    if (err instanceof TuningError) throw new AwsError('ValidationException', err.message, 400);
    throw err;
  }
}

/** Validates a controls patch; throws TuningError naming the bad field. */
export function checkControlsPatch(patch: unknown): ControlsPatch {
  if (typeof patch !== 'object' || patch === null || Array.isArray(patch))
    throw new TuningError('controls: expected a JSON object');
  const o = patch as Record<string, unknown>;
  const out: { preset?: PresetName } & { [S in Service]?: ServicePatch } = {};
  for (const key of Object.keys(o)) {
    if (key !== 'preset' && !SERVICES.includes(key as Service)) {
      throw new TuningError(`controls: unknown key "${key}" (allowed: preset, ${SERVICES.join(', ')})`);
    }
  }
  if (o.preset !== undefined) {
    if (!isPreset(o.preset))
      throw new TuningError(`controls.preset: expected none or realistic, got ${JSON.stringify(o.preset)}`);
    out.preset = o.preset;
  }
  for (const s of SERVICES) {
    const value = o[s];
    if (value === undefined) continue;
    if (typeof value !== 'object' || value === null) throw new TuningError(`controls.${s}: expected an object`);
    const { targets, ...rest } = value as Record<string, unknown>;
    const base = checkTuningPatch(rest, `controls.${s}`);
    if (targets === undefined) {
      out[s] = base;
      continue;
    }
    if (typeof targets !== 'object' || targets === null || Array.isArray(targets))
      throw new TuningError(`controls.${s}.targets: expected an object`);
    const checkedTargets: Record<string, TuningPatch | null> = {};
    for (const [name, tp] of Object.entries(targets)) {
      checkedTargets[name] = tp === null ? null : checkTuningPatch(tp, `controls.${s}.targets.${name}`);
    }
    out[s] = { ...base, targets: checkedTargets };
  }
  return out;
}
