// The app form on the Deployment screen: filled from an app, read back as the spec the core
// validates, each field's problem shown beside it; and the preview of what a deploy changes.

import { t, render } from './i18n.js';

const $ = (id) => document.getElementById(id);

export function fillForm(spec) {
  $('app-name').value = spec.name ?? '';
  $('app-image').value = spec.image ?? '';
  $('app-replicas').value = spec.replicas ?? '';
  $('app-port').value = spec.port ?? '';
  $('app-service-type').value = spec.serviceType ?? 'ClusterIP';
  $('app-cpu-request').value = spec.cpuRequest ?? '';
  $('app-cpu-limit').value = spec.cpuLimit ?? '';
  $('app-memory-request').value = spec.memoryRequest ?? '';
  $('app-memory-limit').value = spec.memoryLimit ?? '';
  $('app-readiness-path').value = spec.readinessPath ?? '';
  $('env-rows').replaceChildren();
  for (const v of spec.env ?? []) addEnvRow(v);
}

export function addEnvRow({ name, value }) {
  const rows = $('env-rows');
  const index = rows.children.length;
  const row = document.createElement('div');
  row.className = 'env-row';
  const nameInput = Object.assign(document.createElement('input'), { type: 'text', value: name, placeholder: 'LOG_LEVEL', className: 'env-name' });
  nameInput.setAttribute('aria-label', render('deployment.envName', { n: index + 1 }));
  const valueInput = Object.assign(document.createElement('input'), { type: 'text', value, placeholder: 'info', className: 'env-value' });
  valueInput.setAttribute('aria-label', render('deployment.envValue', { n: index + 1 }));
  const remove = Object.assign(document.createElement('button'), { type: 'button', textContent: t('deployment.remove') });
  remove.addEventListener('click', () => row.remove());
  const nameMessage = Object.assign(document.createElement('p'), { className: 'field-message' });
  nameMessage.dataset.field = `env[${index}].name`;
  const valueMessage = Object.assign(document.createElement('p'), { className: 'field-message' });
  valueMessage.dataset.field = `env[${index}].value`;
  row.append(nameInput, valueInput, remove, nameMessage, valueMessage);
  rows.append(row);
}

export function number(id) {
  const text = $(id).value.trim();
  return text === '' || Number.isNaN(Number(text)) || !Number.isInteger(Number(text)) ? null : Number(text);
}

export function formSpec() {
  return {
    name: $('app-name').value,
    image: $('app-image').value,
    replicas: number('app-replicas'),
    port: number('app-port'),
    serviceType: $('app-service-type').value,
    cpuRequest: $('app-cpu-request').value,
    cpuLimit: $('app-cpu-limit').value,
    memoryRequest: $('app-memory-request').value,
    memoryLimit: $('app-memory-limit').value,
    env: [...document.querySelectorAll('#env-rows .env-row')].map((row) => ({
      name: row.querySelector('.env-name').value,
      value: row.querySelector('.env-value').value,
    })),
    readinessPath: $('app-readiness-path').value,
  };
}

export function showFieldProblems(problems = []) {
  for (const message of document.querySelectorAll('#app-form [data-field]')) {
    const problem = problems.find((p) => p.field === message.dataset.field);
    message.textContent = problem ? render(`field.${problem.code}`, problem.params) ?? problem.code : '';
    message.classList.toggle('error', Boolean(problem));
  }
}

/** A dry run's changes as list items: per object what changes, its diff, and whether another
 *  tool owns it. Deploy's preview and the guard's install preview draw them alike. */
export function changeItems(changes) {
  return changes.map((change) => {
    const item = document.createElement('li');
    item.className = `change ${change.action}`;
    const head = document.createElement('strong');
    head.textContent = `${change.kind} ${change.name}: ${t(`deployment.action.${change.action}`)}`;
    item.append(head);
    if (change.notManaged) {
      item.classList.add('not-managed');
      const warning = document.createElement('p');
      warning.className = 'warning';
      warning.textContent = t('deployment.notManaged');
      item.append(warning);
    }
    if (change.diff.length) {
      const pre = document.createElement('pre');
      pre.className = 'diff';
      for (const line of change.diff) {
        const span = document.createElement('span');
        span.className = { '+': 'add', '-': 'del', '~': 'chg' }[line.sign] ?? 'ctx';
        const note = line.note ? `   (${t(`diffNote.${line.note}`)})` : '';
        span.textContent = `${line.sign} ${line.text}${note}\n`;
        pre.append(span);
      }
      item.append(pre);
    }
    return item;
  });
}

/** The dry run's answer for `target`: per object what changes, the YAML (key masked),
 *  and what another tool owns. */
export function drawPreview(result, target) {
  $('preview-target').textContent = render('deployment.previewTarget', target);
  $('preview-changes').replaceChildren(...changeItems(result.changes));
  $('preview-yaml').textContent = result.yaml;
  $('preview-mask-note').textContent = t(result.sandbox ? 'deployment.maskNoteSandbox' : 'deployment.maskNote');
  $('preview-sandbox-key').hidden = !result.sandbox;
  $('preview-conflicts').hidden = !result.conflicts.length && !result.notManaged.length;
  $('take-over').checked = false;
  $('preview-conflict-list').replaceChildren(
    ...result.notManaged.map((object) => {
      const item = document.createElement('li');
      item.textContent = render('deployment.notManagedLine', { object });
      return item;
    }),
    ...result.conflicts.map((c) => {
      const item = document.createElement('li');
      item.textContent = render('deployment.conflictLine', c);
      return item;
    }),
  );
  $('preview-card').hidden = false;
  $('preview-card').scrollIntoView({ block: 'nearest' });
}

