// The running app on the Deployment screen: its rollout followed live (phase, counts,
// problems with their logs), scale or the autoscaler's range, restart, roll back and
// uninstall. deployment.js owns the cluster and the app list and tells this module which
// app to show (`watchApp`) or to forget it (`forgetApp`). Every decision is made in Rust;
// this draws and asks.

import { api } from './api.js';
import { t, tn, render } from './i18n.js';
import { describe } from './messages.js';
import { showGuard, showScaleCost } from './guard.js';
import { fillForm, number } from './app-form.js';

const $ = (id) => document.getElementById(id);
let current = null; // name of the app whose status is shown
let lastStatus = null;
/** What deployment.js knows (see `initAppStatus`). */
let deployment = null;

/**
 * Wires the running app's controls. `host` is deployment.js: `target()` the { context,
 * namespace } on screen, `sandbox()`, `summary(name)` an app of the list, `loadApps()` reads
 * the list again, `showError(error)` shows in the section's error box.
 */
export function initAppStatus(host) {
  deployment = host;
  $('scale-slider').addEventListener('input', () => {
    $('scale-number').value = $('scale-slider').value;
    showScaleCost(deployment.target(), current, number('scale-number'));
  });
  $('scale-number').addEventListener('input', () => {
    $('scale-slider').value = $('scale-number').value;
    showScaleCost(deployment.target(), current, number('scale-number'));
  });
  $('scale-apply').addEventListener('click', scale);
  $('autoscaler-apply').addEventListener('click', setAutoscaler);
  $('app-restart').addEventListener('click', () => action('restart', () => api.restartApp(deployment.target(), current)));
  $('app-rollback').addEventListener('click', () => action('rollback', () => api.rollbackApp(deployment.target(), current)));
  $('app-uninstall').addEventListener('click', askUninstall);
  $('uninstall-no').addEventListener('click', () => ($('uninstall-confirm').hidden = true));
  $('uninstall-yes').addEventListener('click', uninstall);
}

/** No app is shown any more (the cluster is gone): nothing acts on the one that was. */
export function forgetApp() {
  current = null;
  lastStatus = null;
}

/** Shows `app` and follows its rollout live; `first` is a status already known. */
export function watchApp(app, first) {
  current = app;
  lastStatus = null;
  $('rollout-app').textContent = deployment.sandbox() ? `${app} · ${t('deployment.simulation')}` : app;
  $('rollout-card').hidden = false;
  $('uninstall-confirm').hidden = true;
  $('action-message').textContent = '';
  $('scale-message').textContent = '';
  $('app-message').textContent = '';
  const summary = deployment.summary(app);
  showAutoscaler(summary?.autoscaler ?? null);
  $('scale-cost').textContent = '';
  showGuard(deployment.target(), app);
  if (first) drawStatus(first);
  api.watchRollout(deployment.target(), app, (status) => {
    if (status.app === current) drawStatus(status);
  }).catch(deployment.showError);
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
    const outcome = await api.scaleApp(deployment.target(), current, replicas);
    message.textContent = tn('deployment.scaled', outcome.replicas, { n: outcome.replicas });
  } catch (error) {
    message.textContent = describe(error);
    if (error.code === 'kube_autoscaled') {
      await deployment.loadApps();
      showAutoscaler(deployment.summary(current)?.autoscaler ?? null);
    }
  } finally {
    $('scale-apply').disabled = false;
  }
}

async function setAutoscaler() {
  const message = $('autoscaler-message');
  try {
    await api.setAutoscaler(deployment.target(), current, number('autoscaler-min') ?? -1, number('autoscaler-max') ?? -1);
    message.textContent = t('deployment.saved');
  } catch (error) {
    message.textContent = describe(error);
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
  }
}

function askUninstall() {
  $('uninstall-question').textContent = render('deployment.uninstallQuestion', { app: current, ...deployment.target() });
  const adopted = deployment.summary(current)?.adopted ?? [];
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
    const report = await api.uninstallApp(deployment.target(), current, $('uninstall-adopted-box').checked);
    const removed = report.removed.length ? report.removed.join(', ') : t('deployment.nothing');
    let text = render('deployment.removed', { removed });
    if (report.leftAlone.length) text += ` ${render('deployment.leftAlone', { left: report.leftAlone.join(', ') })}`;
    if (report.keptAdopted.length) text += ` ${render('deployment.keptAdopted', { kept: report.keptAdopted.join(', ') })}`;
    $('rollout-card').hidden = true;
    showGuard(null, null);
    await deployment.loadApps();
    fillForm({ name: '', image: '', replicas: 2, port: 8080, env: [] });
    deployment.showError(null);
    current = null;
    // Said where the user is looking: next to the app picker, which now lacks the app.
    const done = $('app-message');
    done.textContent = text;
    done.scrollIntoView({ block: 'center' });
  } catch (error) {
    message.textContent = describe(error);
  }
}
