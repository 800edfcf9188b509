// The Controls view: runtime backend settings through the backends API, and
// each front's aurora_ml switch through the RDS API.

import { el } from './dom.js';
import { state } from './page-state.js';

const status = (text) => {
  document.getElementById('control-status').textContent = text;
};

/** Sends a JSON change: a non-simple request, as the emulator requires of writes. */
async function sendChange(method, path, body) {
  const response = await fetch(path, {
    method,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const answer = await response.json().catch(() => ({}));
  if (!response.ok) throw new Error(answer.error?.message ?? `HTTP ${response.status}`);
  return answer;
}

async function refreshControls() {
  const answer = await fetch('/_aurora-ml/backends').then((r) => r.json());
  document.getElementById('control-state').textContent = JSON.stringify(answer, null, 1);
}

function tuningFromForm() {
  const value = (id) => document.getElementById(id).value.trim();
  const tuning = {};
  if (value('latency') !== '') tuning.latency = { kind: 'fixed', ms: Number(value('latency')) };
  if (value('capacity') !== '') tuning.capacity = { maxConcurrent: Number(value('capacity')), onExcess: value('on-excess') };
  const down = document.getElementById('down').checked;
  if (value('fault-rate') !== '' || down) {
    tuning.faults = { ...(value('fault-rate') !== '' ? { rates: { [value('fault-type')]: Number(value('fault-rate')) } } : {}) };
    if (down) tuning.faults.down = true;
  }
  return tuning;
}

async function apply(event) {
  event.preventDefault();
  const service = document.getElementById('service').value;
  const target = document.getElementById('target').value.trim();
  const preset = document.getElementById('preset').value;
  const tuning = tuningFromForm();
  const patch = preset ? { preset } : {};
  if (Object.keys(tuning).length > 0) patch[service] = target ? { targets: { [target]: tuning } } : tuning;
  try {
    await sendChange('PATCH', '/_aurora-ml/backends', patch);
    status(`applied: ${JSON.stringify(patch)}`);
  } catch (err) {
    status(`refused: ${err.message}`);
  }
  await refreshControls();
}

async function clearService() {
  const service = document.getElementById('service').value;
  const target = document.getElementById('target').value.trim();
  const cleared = { latency: null, capacity: null, faults: null };
  const patch = { [service]: target ? { targets: { [target]: null } } : cleared };
  try {
    await sendChange('PATCH', '/_aurora-ml/backends', patch);
    status(`cleared ${service}${target ? ` / ${target}` : ''}`);
  } catch (err) {
    status(`refused: ${err.message}`);
  }
  await refreshControls();
}

/** aurora_ml is a cluster parameter: changed through the RDS API, with a header no form can send. */
async function setSwitch(group, on) {
  const form = new URLSearchParams({
    Action: 'ModifyDBClusterParameterGroup',
    Version: '2014-10-31',
    DBClusterParameterGroupName: group,
    'Parameters.Parameter.1.ParameterName': 'aurora_ml',
    'Parameters.Parameter.1.ParameterValue': on ? '1' : '0',
    'Parameters.Parameter.1.ApplyMethod': 'immediate',
  });
  const response = await fetch('/', {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-aurora-ml-dashboard': '1' },
    body: form,
  });
  status(response.ok ? `aurora_ml = ${on ? 1 : 0} on ${group}` : `refused: HTTP ${response.status}`);
}

let switchesShown = '';
export function renderSwitches() {
  const switches = state.gauges?.switches;
  if (!switches) return;
  const key = JSON.stringify(switches);
  if (key === switchesShown) return;
  switchesShown = key;
  const boxes = Object.entries(switches)
    .filter(([, s]) => s !== null)
    .map(([front, s]) => {
      const box = el('input', { type: 'checkbox', id: `switch-${front}` });
      box.checked = s.auroraMl;
      box.addEventListener('change', () => void setSwitch(s.parameterGroup, box.checked));
      return el('label', { class: 'check' }, box, `aurora_ml on (${front})`);
    });
  document.getElementById('switches').replaceChildren(...boxes);
}

/** Wires the form's buttons and shows the backends' settings as they are now. */
export function startControls() {
  document.getElementById('control-form').addEventListener('submit', (e) => void apply(e));
  document.getElementById('clear').addEventListener('click', () => void clearService());
  void refreshControls();
}
