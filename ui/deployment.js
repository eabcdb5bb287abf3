// The Deployment section: pick a context and namespace, fill in the app form, preview the
// server-side dry run, deploy, and read the Activity (audit log). The running app (rollout
// followed live, scale, restart, roll back, uninstall) is app-status.js's. Every decision is
// made in Rust; this draws and asks.

import { api } from './api.js';
import { t, render } from './i18n.js';
import { describe, showErrorBox, confirmDialog } from './messages.js';
import { loadActivity, initActivity } from './activity.js';
import { initGuard, showGuard, showFormCost } from './guard.js';
import { searchable } from './picker.js';
import { fillForm, addEnvRow, formSpec, showFieldProblems, drawPreview } from './app-form.js';
import { initAppStatus, watchApp, forgetApp } from './app-status.js';
import { initSizes, loadSizes, showSizeOf, showSizeProblems } from './sizes.js';


const $ = (id) => document.getElementById(id);
let target = null; // { context, namespace }
let settings = {};
let contexts = [];
let apps = [];
let pendingSpec = null;
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
  forgetApp();
  apps = [];
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

/** Wires the controls. */
export function initDeployment() {
  initActivity(contextLabel);
  initGuard(confirmDialog);
  initSizes();
  loadSizes();
  showDisconnected();
  $('kube-connect').addEventListener('click', () => connect($('kube-context').value));
  $('kube-context').addEventListener('change', async () => {
    // Another cluster is chosen: the one on screen must not stay actionable.
    showDisconnected();
    await api.kubeDisconnect().catch(showError);
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
  initAppStatus({
    target: () => target,
    sandbox: () => sandbox,
    summary: (name) => apps.find((a) => a.name === name),
    loadApps,
    showError,
  });
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

/** Opens an app the overview shows: its cluster connected, its namespace chosen, its form
 *  and rollout shown. */
export async function openApp({ context, namespace, app }) {
  await loadDeployment();
  const select = $('kube-context');
  if (![...select.options].some((o) => o.value === context)) return;
  select.value = context;
  settings = { ...settings, kubeContext: context, kubeNamespace: namespace };
  if (target?.context !== context) await connect(context);
  if (target?.namespace !== namespace) {
    if (!$('kube-namespace').hidden) $('kube-namespace').value = namespace;
    $('kube-namespace-typed').value = namespace;
    await chooseNamespace(namespace);
  }
  if (apps.some((a) => a.name === app)) {
    $('app-existing').value = app;
    pickApp(app);
  }
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
  const options = [newAppOption(), ...apps.map((a) => new Option(`${a.name} — ${a.image}`, a.name))];
  // The same list again (a connect loads it twice) is left in place: rebuilt, it would drop
  // an option the user is choosing at that moment.
  const same = select.options.length === options.length
    && options.every((o, i) => select.options[i].value === o.value && select.options[i].text === o.text);
  if (same) return;
  select.replaceChildren(...options);
  select.value = apps.some((a) => a.name === keep) ? keep : '';
}

function pickApp(name) {
  const app = apps.find((a) => a.name === name);
  const spec = app?.spec ?? { name: '', image: '', replicas: 2, port: 8080, serviceType: 'ClusterIP', env: [] };
  fillForm(spec);
  showSizeOf(spec, !app);
  $('preview-card').hidden = true;
  if (app) watchApp(app.name);
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
    showSizeProblems(error.fields);
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
    watchApp(status.app, status);
  } catch (error) {
    showFieldProblems(error.fields);
    showError(error);
  } finally {
    button.disabled = false;
  }
}
