// Updates: the line and "Check now" in Settings, and the banner that offers a new version.
// Nothing installs without the user's OK; a failed look is one quiet line, never a dialog.
// Release notes come from the update server: shown as text, never as markup.

import { api } from './api.js';
import { t, render } from './i18n.js';
import { describe } from './messages.js';
import { updateLine } from './update-line.js';

const $ = (id) => document.getElementById(id);

let status = null;
/** The version the user said "Not now" to, in this session. */
let later = null;

/** Draws the Settings block and the banner from the last status (again after a language change). */
export function drawUpdates(next = status) {
  status = next;
  if (!status) return;
  const box = $('setting-check-updates');
  box.checked = status.enabled;
  // A build without an update key never looks: no setting to offer, only the reason.
  box.closest('label').hidden = !status.available;
  $('update-check').hidden = !status.available || !status.enabled;
  $('update-line').textContent = updateLine(status);
  const offer = status.last?.kind === 'offered' ? status.last : null;
  const banner = $('update-banner');
  banner.hidden = !offer || offer.version === later;
  if (!offer) return;
  $('update-ready').textContent = render('update.ready', { version: offer.version });
  $('update-notes').textContent = offer.notes ?? '';
  $('update-notes').hidden = !offer.notes;
  $('update-notes-title').hidden = !offer.notes;
}

async function act(button, busyText, call) {
  const label = button.textContent;
  button.disabled = true;
  button.textContent = busyText;
  try {
    drawUpdates(await call());
  } catch (error) {
    $('update-line').textContent = describe(error);
  } finally {
    button.disabled = false;
    button.textContent = label;
  }
}

export function initUpdates() {
  $('update-check').addEventListener('click', () => act($('update-check'), t('update.checking'), api.updateCheck));
  $('update-install').addEventListener('click', () => act($('update-install'), t('update.installing'), api.updateInstall));
  $('update-later').addEventListener('click', () => {
    later = status?.last?.version ?? null;
    $('update-banner').hidden = true;
  });
  api.onUpdateStatus((next) => drawUpdates(next)).catch(() => {});
  api.updateStatus().then(drawUpdates).catch(() => {});
}
