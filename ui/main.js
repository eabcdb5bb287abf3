// The shell: navigation, language and theme, status bar, notices. Section views live in
// their own modules; this one wires them together.

// The words first: every module below may look them up as soon as it is called.
import './words.js';
import { api, onChanged } from './api.js';
import { setLanguage, t, render as renderText, language } from './i18n.js';
import { errorMessage, errorHint } from './messages.js';
import { initSettings, showSettings } from './settings.js';
import { initUpdates, drawUpdates } from './updates.js';
import { initCredentials, loadCredentials, redrawCredentials } from './credentials.js';
import { initCost, loadCost, showCostSettings } from './cost.js';
import { initDeployment, loadDeployment, showDeploymentSettings, contextLabel, openApp } from './deployment.js';
import { initOverview, loadOverview, redrawOverview } from './overview.js';
import { offerPublishedImage } from './guard-install.js';
import { redrawSizes } from './sizes.js';
import { initAbout, showAbout } from './about.js';
import { redrawGuard, refreshGuard } from './guard.js';

const sections = ['overview', 'credentials', 'deployment', 'cost', 'settings'];

function navButtons() {
  return [...document.querySelectorAll('.nav-item')];
}

/** Shows one section and marks its button as the current page. */
export function showSection(name, { focus = true } = {}) {
  if (!sections.includes(name)) return;
  for (const panel of document.querySelectorAll('[data-panel]')) {
    panel.hidden = panel.dataset.panel !== name;
  }
  for (const button of navButtons()) {
    if (button.dataset.section === name) button.setAttribute('aria-current', 'page');
    else button.removeAttribute('aria-current');
  }
  if (focus) document.querySelector(`[data-panel="${name}"] h1`)?.focus();
}

/** Opens a section as its navigation button does (loading what it shows). */
function openSection(name) {
  showSection(name);
  if (name === 'overview') loadOverview();
  if (name === 'cost') loadCost();
  if (name === 'deployment') loadDeployment().catch((error) => renderNotices([error]));
}

function initNavigation() {
  for (const button of navButtons()) {
    button.addEventListener('click', () => openSection(button.dataset.section));
  }
  // Ctrl+1…3 (⌘ on macOS) for the sections and Ctrl+, for Settings, as the menu bar shows them
  // (here too, for when the menu bar does not see the keys first).
  document.addEventListener('keydown', (event) => {
    if (!(event.ctrlKey || event.metaKey) || event.altKey || event.shiftKey) return;
    const name = { 0: 'overview', 1: 'credentials', 2: 'deployment', 3: 'cost', ',': 'settings' }[event.key];
    if (!name) return;
    event.preventDefault();
    openSection(name);
  });
  // Arrow keys move between sections, as in any list of tabs; Tab still leaves the list.
  document.querySelector('.sidebar').addEventListener('keydown', (event) => {
    if (!['ArrowDown', 'ArrowUp', 'Home', 'End'].includes(event.key)) return;
    const buttons = navButtons();
    const index = buttons.indexOf(document.activeElement);
    if (index < 0) return;
    event.preventDefault();
    const last = buttons.length - 1;
    const next = { ArrowDown: Math.min(index + 1, last), ArrowUp: Math.max(index - 1, 0), Home: 0, End: last }[event.key];
    buttons[next].focus();
  });
}

function applyTheme(theme) {
  if (theme === 'light' || theme === 'dark') document.documentElement.dataset.theme = theme;
  else delete document.documentElement.dataset.theme;
}

function setStatusValue(id, value) {
  const el = document.getElementById(id);
  if (value) {
    el.removeAttribute('data-i18n');
    el.textContent = value;
  } else {
    el.dataset.i18n = 'status.notSet';
    el.textContent = t('status.notSet');
  }
}

function renderNotices(notices) {
  const box = document.getElementById('notices');
  box.replaceChildren(
    ...notices.map((notice) => {
      const item = document.createElement('div');
      item.className = 'notice';
      item.setAttribute('role', 'alert');
      item.dataset.code = notice.code;
      const title = document.createElement('strong');
      title.textContent = renderText(`notice.${notice.code}`, notice.params) ?? t('error.title');
      const message = document.createElement('p');
      message.textContent = errorMessage(notice);
      const hint = document.createElement('p');
      hint.className = 'hint';
      hint.textContent = errorHint(notice);
      const dismiss = document.createElement('button');
      dismiss.type = 'button';
      dismiss.textContent = t('notice.dismiss');
      dismiss.addEventListener('click', async () => render(await api.dismissNotice(notice.code)));
      item.append(title, message, hint, dismiss);
      return item;
    }),
  );
}

/** Draws everything that depends on the app status. */
export function render(status) {
  setLanguage(status.language);
  applyTheme(status.settings.theme);
  setStatusValue('status-context', status.kubeContext && contextLabel(status.kubeContext));
  setStatusValue('status-aws', status.awsIdentity && `${status.awsIdentity.account} · ${status.awsIdentity.arn}`);
  // When Cost Explorer last answered, in the user's own time and language.
  setStatusValue('status-cost', status.lastCostRefresh
    && new Date(status.lastCostRefresh).toLocaleString(language(), { dateStyle: 'medium', timeStyle: 'short' }));
  document.getElementById('app-version').textContent = status.version;
  offerPublishedImage(status.guardImage);
  renderNotices(status.notices);
  showSettings(status.settings);
  drawUpdates();
  redrawCredentials(status.settings);
  showCostSettings(status.settings);
  showDeploymentSettings(status.settings);
  redrawSizes();
  redrawOverview();
}

/** Redraws the shell with `status`, or fetches it first. */
async function refreshStatus(status) {
  try {
    render(status ?? (await api.appStatus()));
  } catch (error) {
    renderNotices([error]);
  }
}

/** Opens `card`'s app in the Deployment screen (connected to its cluster and namespace) or the
 *  Cost view. */
async function openAppIn(section, card) {
  if (section === 'deployment') {
    showSection('deployment');
    await openApp(card).catch((error) => renderNotices([error]));
  } else {
    openSection('cost');
  }
}

async function start() {
  initNavigation();
  initSettings(render);
  initUpdates();
  onChanged('status', () => refreshStatus());
  initCredentials(refreshStatus);
  initCost(refreshStatus);
  initDeployment();
  initAbout((error) => renderNotices([error]));
  initOverview(openSection, openAppIn);
  api.onMenu((choice) => {
    if (choice === 'about') showAbout().catch((error) => renderNotices([error]));
    else openSection(choice);
  }).catch(() => {});
  api.onGuardPaused(() => redrawGuard()).catch(() => {});
  // The guard's notices: Rust raised them as desktop notifications; the notice area shows them.
  api.onGuardNotices(() => {
    refreshStatus();
    refreshGuard();
  }).catch(() => {});
  try {
    const status = await api.firstStatus();
    render(status);
    // Once something is set up (or while the first-run guide is open), the overview first.
    if (status.opensOn === 'overview') openSection('overview');
    else showSection('credentials', { focus: false });
    await loadCredentials(status.settings);
  } catch (error) {
    showSection('credentials', { focus: false });
    renderNotices([error]);
  }
  document.body.dataset.ready = 'true';
}

start();
