// The Credentials section: store, replace, delete and check keys. Values typed here go to the
// keychain through the backend; the page only ever gets back "stored · ends in 4f2a".

import { api } from './api.js';
import { t, render, language } from './i18n.js';
import { describe, showErrorBox, confirmDialog } from './messages.js';

const OPTIONAL = new Set(['openai_admin_key', 'aws_session_token']);
let overview = null;
let settings = null;
let onStatusChange = () => {};

/** Builds the secret rows and wires the buttons. `refreshStatus` redraws the status bar. */
export function initCredentials(refreshStatus) {
  onStatusChange = refreshStatus;
  for (const container of document.querySelectorAll('[data-secrets]')) {
    for (const kind of container.dataset.secrets.split(' ')) container.append(secretRow(kind));
  }
  document.getElementById('check-openai').addEventListener('click', () => runCheck('openai'));
  document.getElementById('check-aws').addEventListener('click', () => runCheck('aws'));
  document.getElementById('check-openaiAdmin').addEventListener('click', () => runCheck('openaiAdmin'));
  document.getElementById('save-openai-base-url').addEventListener('click', () =>
    saveSetting('openaiBaseUrl', document.getElementById('openai-base-url').value, 'openai-base-url-message'));
  document.getElementById('save-openai-admin-base-url').addEventListener('click', () =>
    saveSetting('openaiAdminBaseUrl', document.getElementById('openai-admin-base-url').value,
      'openai-admin-base-url-message'));
  document.getElementById('save-aws-region').addEventListener('click', () =>
    saveSetting('awsRegion', document.getElementById('aws-region').value, 'aws-region-message'));
  for (const radio of document.querySelectorAll('input[name="aws-source"]')) {
    radio.addEventListener('change', () => saveSetting('awsSource', radio.value, 'aws-profile-message'));
  }
  document.getElementById('aws-profile-select').addEventListener('change', (event) =>
    saveSetting('awsProfile', event.target.value, 'aws-profile-message'));
}

function secretRow(kind) {
  const row = document.createElement('div');
  row.className = 'secret-row';
  row.dataset.kind = kind;
  const id = `secret-${kind}`;
  row.innerHTML = `
    <div class="secret-head">
      <label for="${id}" data-i18n="secret.${kind}"></label>
      <span class="secret-state" id="state-${kind}"></span>
    </div>
    <div class="row">
      <input id="${id}" type="password" autocomplete="off" spellcheck="false" autocapitalize="off">
      <button type="button" data-action="store"></button>
      <button type="button" data-action="delete" class="danger-outline" hidden></button>
    </div>
    <p class="field-message" id="message-${kind}" role="alert"></p>`;
  const input = row.querySelector('input');
  row.querySelector('[data-action="store"]').addEventListener('click', () => storeSecret(kind, input));
  input.addEventListener('keydown', (event) => {
    if (event.key === 'Enter') storeSecret(kind, input);
  });
  row.querySelector('[data-action="delete"]').addEventListener('click', () => deleteSecret(kind));
  return row;
}

/** Loads the overview from the backend and draws it. */
export async function loadCredentials(currentSettings) {
  settings = currentSettings;
  drawSettings();
  try {
    overview = await api.credentialsOverview();
    showKeychainError(null);
  } catch (error) {
    overview = null;
    showKeychainError(error);
  }
  draw();
  loadProfiles();
}

/** Called when settings change elsewhere (e.g. language). */
export function redrawCredentials(currentSettings) {
  settings = currentSettings;
  drawSettings();
  draw();
}

function drawSettings() {
  if (!settings) return;
  document.getElementById('openai-base-url').value = settings.openaiBaseUrl;
  const admin = settings.openaiAdminBaseUrl;
  document.getElementById('openai-admin-base-url').value = admin ?? '';
  // An admin key can manage the organisation's keys, users and projects: say where it goes.
  const warning = document.getElementById('openai-admin-warning');
  warning.hidden = !admin;
  warning.textContent = admin ? render('credentials.adminAddressWarning', { address: admin }) : '';
  if (admin) document.getElementById('openai-admin-address').open = true;
  document.getElementById('aws-region').value = settings.awsRegion ?? '';
  for (const radio of document.querySelectorAll('input[name="aws-source"]')) {
    radio.checked = radio.value === settings.awsSource;
  }
  document.getElementById('aws-keys').hidden = settings.awsSource !== 'keys';
  document.getElementById('aws-profile').hidden = settings.awsSource !== 'profile';
  const select = document.getElementById('aws-profile-select');
  if (settings.awsProfile && ![...select.options].some((o) => o.value === settings.awsProfile)) {
    select.append(new Option(settings.awsProfile, settings.awsProfile));
  }
  select.value = settings.awsProfile ?? '';
}

async function loadProfiles() {
  const select = document.getElementById('aws-profile-select');
  const profiles = await api.listAwsProfiles().catch(() => []);
  const chosen = settings?.awsProfile ?? '';
  select.replaceChildren(new Option(t('credentials.chooseProfile'), ''));
  for (const name of new Set([...profiles, ...(chosen ? [chosen] : [])])) select.append(new Option(name, name));
  select.value = chosen;
  const message = document.getElementById('aws-profile-message');
  message.textContent = profiles.length ? '' : t('credentials.noProfiles');
}

function draw() {
  for (const row of document.querySelectorAll('.secret-row')) {
    const kind = row.dataset.kind;
    const secret = overview?.secrets.find((s) => s.kind === kind);
    const state = row.querySelector('.secret-state');
    const label = row.querySelector('label');
    label.textContent = t(`secret.${kind}`) + (OPTIONAL.has(kind) ? ` ${t('secret.optional')}` : '');
    if (!overview) state.textContent = '—';
    else if (secret?.stored) {
      state.textContent = secret.endsIn
        ? `${t('secret.stored')} · ${t('secret.endsIn')} …${secret.endsIn}`
        : t('secret.stored');
    } else state.textContent = t('status.notSet');
    state.classList.toggle('stored', Boolean(secret?.stored));
    const store = row.querySelector('[data-action="store"]');
    store.textContent = secret?.stored ? t('secret.replace') : t('secret.store');
    store.setAttribute('aria-label', `${store.textContent}: ${t(`secret.${kind}`)}`);
    const remove = row.querySelector('[data-action="delete"]');
    remove.hidden = !secret?.stored;
    remove.textContent = t('secret.delete');
    remove.setAttribute('aria-label', `${t('secret.delete')}: ${t(`secret.${kind}`)}`);
    row.querySelector('input').placeholder = secret?.stored ? t('secret.pasteNew') : t('secret.paste');
  }
  drawCheck('openai', overview?.openai);
  drawCheck('aws', overview?.aws);
  const adminStored = overview?.secrets.find((s) => s.kind === 'openai_admin_key')?.stored;
  document.getElementById('check-openaiAdmin-row').hidden = !adminStored;
  drawCheck('openaiAdmin', overview?.openaiAdmin);
}

function drawCheck(service, record) {
  const el = document.getElementById(`check-${service}-result`);
  if (!record) {
    el.textContent = overview ? t('check.never') : '';
    el.className = 'check-result';
    return;
  }
  const when = relativeTime(record.at);
  const found = record.ok ? render(`checked.${record.code}`, record.params) : describe(record);
  // A success says itself what works ("The key works: 4 models available."): no "works:" before it.
  const mark = record.ok ? '✓' : `✗ ${t('check.failed')}:`;
  el.textContent = `${mark} ${found} (${t('check.checked')} ${when})`;
  el.className = `check-result ${record.ok ? 'ok' : 'bad'}`;
}

function relativeTime(iso) {
  const seconds = Math.round((Date.parse(iso) - Date.now()) / 1000);
  const format = new Intl.RelativeTimeFormat(language(), { numeric: 'auto' });
  if (Math.abs(seconds) < 60) return format.format(seconds, 'second');
  if (Math.abs(seconds) < 3600) return format.format(Math.round(seconds / 60), 'minute');
  if (Math.abs(seconds) < 86400) return format.format(Math.round(seconds / 3600), 'hour');
  return format.format(Math.round(seconds / 86400), 'day');
}

function showKeychainError(error) {
  showErrorBox(document.getElementById('credentials-error'), error);
}

function setMessage(id, text, isError) {
  const el = document.getElementById(id);
  el.textContent = text;
  el.className = `field-message${isError ? ' error' : ''}`;
}

async function storeSecret(kind, input) {
  const value = input.value;
  try {
    overview = await api.storeSecret(kind, value);
    input.value = '';
    setMessage(`message-${kind}`, t('secret.saved'), false);
    showKeychainError(null);
    draw();
  } catch (error) {
    // Leave what was typed so it can be corrected; nothing was stored.
    setMessage(`message-${kind}`, describe(error), true);
  }
}

async function deleteSecret(kind) {
  const confirmed = await confirmDialog(render('secret.confirmDelete', { name: t(`secret.${kind}`) }), t('secret.delete'));
  if (!confirmed) return;
  try {
    overview = await api.deleteSecret(kind);
    setMessage(`message-${kind}`, t('secret.deleted'), false);
    draw();
    onStatusChange();
  } catch (error) {
    setMessage(`message-${kind}`, describe(error), true);
  }
}

async function runCheck(service) {
  const button = document.getElementById(`check-${service}`);
  const el = document.getElementById(`check-${service}-result`);
  button.disabled = true;
  const started = Date.now();
  const tick = () => {
    el.textContent = `${t('check.running')} ${Math.round((Date.now() - started) / 1000)} s`;
  };
  el.className = 'check-result running';
  tick();
  const timer = setInterval(tick, 1000);
  try {
    const checks = { openai: api.checkOpenai, openaiAdmin: api.checkOpenaiAdmin, aws: api.checkAws };
    const record = await checks[service]();
    if (overview) overview[service] = record;
    drawCheck(service, record);
  } catch (error) {
    // Kept with the rest of the overview, so a redraw (the status bar refreshes right after)
    // shows the failure until the next check instead of "Not checked yet."
    const record = { at: new Date().toISOString(), ok: false, code: error.code, params: error.params, hintCode: error.hintCode };
    if (overview) overview[service] = record;
    drawCheck(service, record);
  } finally {
    clearInterval(timer);
    button.disabled = false;
    onStatusChange();
  }
}

async function saveSetting(name, value, messageId) {
  try {
    const status = await api.updateSettings({ [name]: value });
    settings = status.settings;
    setMessage(messageId, t('settings.saved'), false);
    drawSettings();
    onStatusChange(status);
  } catch (error) {
    setMessage(messageId, describe(error), true);
  }
}
