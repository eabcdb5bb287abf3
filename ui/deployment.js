// The Deployment section: pick a context and namespace, fill in the app form, preview the
// server-side dry run, deploy, follow the rollout live, scale, restart, roll back, uninstall,
// and read the Activity (audit log). Every decision is made in Rust; this draws and asks.

import { api } from './api.js';
import { t, tn, render, language } from './i18n.js';
import { describe, showErrorBox, confirmDialog } from './messages.js';
import { loadActivity, initActivity } from './activity.js';
import { initGuard, showGuard, showScaleCost, showFormCost } from './guard.js';
import { searchable } from './picker.js';
import { fillForm, addEnvRow, number, formSpec, showFieldProblems, drawPreview } from './app-form.js';

export { loadActivity };

const $ = (id) => document.getElementById(id);
let target = null; // { context, namespace }
let settings = {};
let contexts = [];
let apps = [];
let current = null; // name of the app whose status is shown
let lastStatus = null;
let pendingSpec = null;
let onStatusChange = () => {};
let sandbox = false;
const SANDBOX = 'purser-sandbox';

/** A context name as shown anywhere: the sandbox always says it is a simulation. */
export function contextLabel(name) {
  return name === SANDBOX ? `${name} (${t('deployment.simulation')})` : name;
}

/** How a context signs in, in words. */
function signsIn(auth) {
  return render(`auth.${auth.kind}`, auth) ?? auth.kind;
}

/** The app list's first entry, worded again when the language changes. */
function newAppOption() {
  const option = new Option(t('deployment.newApp'), '');
  option.dataset.i18n = 'deployment.newApp';
  return option;
}

/** Every control that changes something on a cluster: usable only while connected. */
const ACTIONS = ['deploy-preview', 'deploy-apply', 'scale-apply', 'autoscaler-apply', 'app-restart',
  'app-rollback', 'app-uninstall', 'uninstall-yes', 'app-existing'];

/** Forgets everything about the cluster on screen: nothing can act on it any more. */
function showDisconnected(reason) {
  target = null;
  current = null;
  apps = [];
  lastStatus = null;
  $('namespace-field').hidden = true;
  $('kube-namespace').replaceChildren();
  $('kube-permissions').replaceChildren();
  $('kube-permissions').className = 'permissions';
  $('app-existing').replaceChildren(newAppOption());
  $('preview-card').hidden = true;
  $('rollout-card').hidden = true;
  $('sandbox-banner').hidden = true;
  $('app-message').textContent = '';
  // Worded again when the language changes (this runs before the first status arrives).
  if (reason) delete $('kube-server').dataset.i18n;
  else $('kube-server').dataset.i18n = 'deployment.notConnected';
  $('kube-server').textContent = reason ?? t('deployment.notConnected');
  $('kube-server').className = 'check-result';
  $('kube-insecure').hidden = true;
  $('scale-cost').textContent = '';
  showGuard(null, null);
  for (const id of ACTIONS) $(id).disabled = true;
}

function showConnected() {
  for (const id of ACTIONS) $(id).disabled = false;
}

/** Wires the controls; `refreshStatus` redraws the status bar. */
export function initDeployment(refreshStatus) {
  onStatusChange = refreshStatus;
  initActivity(contextLabel);
  initGuard(confirmDialog, () => {
    loadActivity();
    onStatusChange();
  });
  showDisconnected();
  $('kube-connect').addEventListener('click', () => connect($('kube-context').value));
  $('kube-context').addEventListener('change', async () => {
    // Another cluster is chosen: the one on screen must not stay actionable.
    showDisconnected();
    await api.kubeDisconnect().catch(showError);
    onStatusChange();
  });
  $('kube-namespace').addEventListener('change', () => chooseNamespace($('kube-namespace').value));
  $('kube-namespace-typed').addEventListener('change', () => chooseNamespace($('kube-namespace-typed').value.trim()));
  $('app-existing').addEventListener('change', () => pickApp($('app-existing').value));
  $('env-add').addEventListener('click', () => addEnvRow({ name: '', value: '' }));
  $('app-form').addEventListener('submit', (event) => {
    event.preventDefault();
    preview();
  });
  $('deploy-apply').addEventListener('click', deploy);
  $('deploy-cancel').addEventListener('click', () => ($('preview-card').hidden = true));
  $('scale-slider').addEventListener('input', () => {
    $('scale-number').value = $('scale-slider').value;
    showScaleCost(target, current, number('scale-number'));
  });
  $('scale-number').addEventListener('input', () => {
    $('scale-slider').value = $('scale-number').value;
    showScaleCost(target, current, number('scale-number'));
  });
  $('scale-apply').addEventListener('click', scale);
  $('autoscaler-apply').addEventListener('click', setAutoscaler);
  $('app-restart').addEventListener('click', () => action('restart', () => api.restartApp(target, current)));
  $('app-rollback').addEventListener('click', () => action('rollback', () => api.rollbackApp(target, current)));
  $('app-uninstall').addEventListener('click', askUninstall);
  $('uninstall-no').addEventListener('click', () => ($('uninstall-confirm').hidden = true));
  $('uninstall-yes').addEventListener('click', uninstall);
}

/** Remembers settings (last context and namespace). */
export function showDeploymentSettings(next) {
  settings = next;
}

function showError(error) {
  showErrorBox($('deploy-error'), error);
}

/** Loads the context list (on first visit, and when asked). */
export async function loadDeployment() {
  if (contexts.length) return;
  const list = await api.kubeContexts();
  contexts = list.contexts;
  const select = $('kube-context');
  select.replaceChildren(
    ...contexts.map((c) => {
      const option = document.createElement('option');
      option.value = c.name;
      option.textContent = c.sandbox
        ? `${c.name} — ${t('deployment.sandboxOption')}`
        : `${c.name}${c.current ? ` (${t('deployment.currentContext')})` : ''} — ${c.server} · ${signsIn(c.auth)}`;
      return option;
    }),
  );
  const remembered = contexts.find((c) => c.name === settings.kubeContext);
  const preferred = remembered ?? contexts.find((c) => c.current) ?? contexts[0];
  select.value = preferred.name;
  searchable(select, 'deployment.searchContexts');
  $('kube-files').textContent = list.problem
    ? render('deployment.kubeconfigProblem', { problem: describe(list.problem) })
    : render('deployment.kubeconfigFiles', { files: list.files.join(', ') });
  if (remembered) await connect(remembered.name);
  loadActivity();
}

async function connect(context) {
  const button = $('kube-connect');
  button.disabled = true;
  showDisconnected(t('deployment.connecting'));
  showError(null);
  try {
    const info = await api.kubeConnect(context);
    showConnected();
    insecureOk = false;
    const insecure = $('kube-insecure');
    insecure.hidden = !info.insecure;
    insecure.textContent = info.insecure ? t(`deployment.insecure.${info.insecure}`) : '';
    $('sandbox-banner').hidden = !info.sandbox;
    sandbox = info.sandbox;
    delete $('kube-server').dataset.i18n;
    $('kube-server').textContent = render('deployment.connected', {
      server: info.sandbox ? t('deployment.sandboxOption') : info.server,
      version: info.version,
    });
    const ctx = contexts.find((c) => c.name === context);
    const wanted = settings.kubeContext === context && settings.kubeNamespace
      ? settings.kubeNamespace
      : ctx?.namespace ?? 'default';
    const select = $('kube-namespace');
    const typed = $('kube-namespace-typed');
    $('namespace-field').hidden = false;
    if (info.namespaces) {
      select.hidden = false;
      typed.hidden = true;
      select.replaceChildren(...info.namespaces.map((n) => new Option(n, n)));
      select.value = info.namespaces.includes(wanted) ? wanted : info.namespaces[0];
      searchable(select, 'deployment.searchNamespaces');
      $('kube-namespace-message').textContent = '';
    } else {
      select.hidden = true;
      searchable(select, 'deployment.searchNamespaces');
      typed.hidden = false;
      typed.value = wanted;
      $('kube-namespace-message').textContent = t('deployment.typeNamespace');
    }
    settings = { ...settings, kubeContext: context };
    await chooseNamespace(info.namespaces ? select.value : wanted);
    // Every successful connect shows this cluster's apps, whatever came before.
    if (target?.context === context) await loadApps();
  } catch (error) {
    showDisconnected();
    showError(error);
  } finally {
    button.disabled = false;
    onStatusChange();
  }
}

async function chooseNamespace(namespace) {
  if (!namespace) return;
  target = { context: $('kube-context').value, namespace };
  try {
    await api.kubeChooseNamespace(namespace);
    $('kube-namespace-message').textContent = '';
  } catch (error) {
    $('kube-namespace-message').textContent = describe(error);
    return;
  }
  settings = { ...settings, kubeNamespace: namespace };
  await Promise.all([checkPermissions(), loadApps()]);
}

async function checkPermissions() {
  const box = $('kube-permissions');
  try {
    const permissions = await api.kubePermissions(target);
    const missing = permissions.filter((p) => !p.allowed);
    if (!missing.length) {
      box.textContent = t('deployment.permissionsOk');
      box.className = 'permissions ok';
      return;
    }
    const title = document.createElement('strong');
    title.textContent = t('deployment.permissionsMissing');
    const list = document.createElement('ul');
    list.append(...missing.map((p) => {
      const item = document.createElement('li');
      item.textContent = `${p.verb} ${p.resource} — ${t(`purpose.${p.purpose}`)}`;
      return item;
    }));
    box.className = 'permissions missing';
    box.replaceChildren(title, list);
  } catch (error) {
    box.className = 'permissions';
    box.textContent = describe(error);
  }
}

async function loadApps() {
  try {
    apps = await api.kubeApps(target);
  } catch (error) {
    showError(error);
    apps = [];
  }
  const select = $('app-existing');
  const keep = select.value;
  select.replaceChildren(newAppOption(), ...apps.map((a) => new Option(`${a.name} — ${a.image}`, a.name)));
  select.value = apps.some((a) => a.name === keep) ? keep : '';
}

function pickApp(name) {
  const app = apps.find((a) => a.name === name);
  fillForm(app?.spec ?? { name: '', image: '', replicas: 2, port: 8080, serviceType: 'ClusterIP', env: [] });
  $('preview-card').hidden = true;
  if (app) watch(app.name);
  else $('rollout-card').hidden = true;
}

function requireTarget() {
  if (target) return true;
  showError({ code: 'kube_not_connected', params: { context: $('kube-context').value }, hintCode: 'kube_not_connected' });
  return false;
}

/** The user's yes to sending the key to this (insecurely reached) cluster, once asked. */
let insecureOk = false;

/** Runs `call`; a cluster reached insecurely is asked about first, naming the risk.
 *  Resolves `null` when the user says no. */
async function withInsecureAnswer(call) {
  try {
    return await call(insecureOk);
  } catch (error) {
    if (error.code !== 'kube_insecure_key' || insecureOk) throw error;
    if (!(await confirmDialog(describe(error), t('deployment.insecureAsk')))) return null;
    insecureOk = true;
    return call(true);
  }
}

async function preview() {
  if (!requireTarget()) return;
  const spec = formSpec();
  const button = $('deploy-preview');
  button.disabled = true;
  showError(null);
  showFieldProblems();
  try {
    const result = await withInsecureAnswer((ok) => api.deployPreview(target, spec, ok));
    if (!result) return;
    pendingSpec = spec;
    drawPreview(result, target);
    showFormCost(target, spec);
  } catch (error) {
    $('preview-card').hidden = true;
    showFieldProblems(error.fields);
    showError(error);
  } finally {
    button.disabled = false;
  }
}

async function deploy() {
  if (!pendingSpec || !requireTarget()) return;
  const button = $('deploy-apply');
  button.disabled = true;
  showError(null);
  try {
    const takeOver = $('take-over').checked;
    const status = await withInsecureAnswer((ok) => api.deployApp(target, pendingSpec, takeOver, ok));
    if (!status) return;
    $('preview-card').hidden = true;
    await loadApps();
    $('app-existing').value = status.app;
    watch(status.app, status);
  } catch (error) {
    showFieldProblems(error.fields);
    showError(error);
  } finally {
    button.disabled = false;
    loadActivity();
  }
}

function watch(app, first) {
  current = app;
  lastStatus = null;
  $('rollout-app').textContent = sandbox ? `${app} · ${t('deployment.simulation')}` : app;
  $('rollout-card').hidden = false;
  $('uninstall-confirm').hidden = true;
  $('action-message').textContent = '';
  $('scale-message').textContent = '';
  $('app-message').textContent = '';
  const summary = apps.find((a) => a.name === app);
  showAutoscaler(summary?.autoscaler ?? null);
  $('scale-cost').textContent = '';
  showGuard(target, app);
  if (first) drawStatus(first);
  api.watchRollout(target, app, (status) => {
    if (status.app === current) drawStatus(status);
  }).catch(showError);
}

function phaseText(s) {
  if (s.reconnecting) return t('rollout.reconnecting');
  const vars = { ready: s.ready, desired: s.desired, updated: s.updated };
  return tn(`rollout.${s.phase}`, s.desired, vars);
}

function drawStatus(status) {
  const firstDraw = lastStatus === null;
  lastStatus = status;
  const summary = $('rollout-summary');
  summary.textContent = phaseText(status);
  summary.dataset.phase = status.phase;
  $('rollout-progress').max = Math.max(status.desired, 1);
  $('rollout-progress').value = status.desired === 0 ? 1 : status.ready;
  $('count-desired').textContent = status.desired;
  $('count-updated').textContent = status.updated;
  $('count-ready').textContent = status.ready;
  $('count-available').textContent = status.available;
  $('rollout-problems').replaceChildren(
    ...status.problems.map((p) => {
      const item = document.createElement('li');
      item.dataset.code = p.code;
      const message = document.createElement('strong');
      message.textContent = render(`problem.${p.code}`, p.params) ?? p.code;
      const hint = document.createElement('p');
      hint.className = 'hint';
      hint.textContent = t(`problemHint.${p.code}`);
      item.append(message, hint);
      if (p.params.logs) {
        const logs = document.createElement('pre');
        logs.className = 'logs';
        logs.textContent = p.params.logs;
        item.append(logs);
      }
      return item;
    }),
  );
  const editing = document.activeElement === $('scale-slider') || document.activeElement === $('scale-number');
  if (firstDraw || !editing) {
    $('scale-slider').value = status.desired;
    $('scale-number').value = status.desired;
  }
}

function showAutoscaler(autoscaler) {
  $('autoscaler-box').hidden = !autoscaler;
  $('scale-box').hidden = Boolean(autoscaler);
  if (!autoscaler) return;
  const { min, max } = autoscaler;
  $('autoscaler-note').textContent = render('deployment.autoscalerNote', autoscaler);
  $('autoscaler-min').value = min;
  $('autoscaler-max').value = max;
}

async function scale() {
  const replicas = number('scale-number');
  const message = $('scale-message');
  if (replicas === null) {
    message.textContent = t('deployment.wholeNumber');
    return;
  }
  $('scale-apply').disabled = true;
  message.textContent = t('deployment.working');
  try {
    const outcome = await api.scaleApp(target, current, replicas);
    message.textContent = tn('deployment.scaled', outcome.replicas, { n: outcome.replicas });
  } catch (error) {
    message.textContent = describe(error);
    if (error.code === 'kube_autoscaled') {
      await loadApps();
      showAutoscaler(apps.find((a) => a.name === current)?.autoscaler ?? null);
    }
  } finally {
    $('scale-apply').disabled = false;
    loadActivity();
  }
}

async function setAutoscaler() {
  const message = $('autoscaler-message');
  try {
    await api.setAutoscaler(target, current, number('autoscaler-min') ?? -1, number('autoscaler-max') ?? -1);
    message.textContent = t('deployment.saved');
  } catch (error) {
    message.textContent = describe(error);
  } finally {
    loadActivity();
  }
}

async function action(name, run) {
  const message = $('action-message');
  message.textContent = t('deployment.working');
  try {
    await run();
    message.textContent = t(`deployment.done.${name}`);
  } catch (error) {
    message.textContent = describe(error);
  } finally {
    loadActivity();
  }
}

function askUninstall() {
  $('uninstall-question').textContent = render('deployment.uninstallQuestion', { app: current, ...target });
  const adopted = apps.find((a) => a.name === current)?.adopted ?? [];
  $('uninstall-adopted').hidden = !adopted.length;
  $('uninstall-adopted-box').checked = false;
  $('uninstall-adopted-list').textContent = adopted.join(', ');
  $('uninstall-confirm').hidden = false;
  $('uninstall-no').focus();
}

async function uninstall() {
  $('uninstall-confirm').hidden = true;
  const message = $('action-message');
  try {
    const report = await api.uninstallApp(target, current, $('uninstall-adopted-box').checked);
    const removed = report.removed.length ? report.removed.join(', ') : t('deployment.nothing');
    let text = render('deployment.removed', { removed });
    if (report.leftAlone.length) text += ` ${render('deployment.leftAlone', { left: report.leftAlone.join(', ') })}`;
    if (report.keptAdopted.length) text += ` ${render('deployment.keptAdopted', { kept: report.keptAdopted.join(', ') })}`;
    $('rollout-card').hidden = true;
    showGuard(null, null);
    await loadApps();
    fillForm({ name: '', image: '', replicas: 2, port: 8080, env: [] });
    showError(null);
    current = null;
    // Said where the user is looking: next to the app picker, which now lacks the app.
    const done = $('app-message');
    done.textContent = text;
    done.scrollIntoView({ block: 'center' });
  } catch (error) {
    message.textContent = describe(error);
  } finally {
    loadActivity();
  }
}
