// How errors are shown: one place, so every screen reads the same. An error from the core is
// { code, params, hintCode, message }: the words come from i18n.js in the user's language;
// `message` (English) is shown only if a code has no words, which a test prevents.

import { render } from './i18n.js';

/** What happened, in the user's language. */
export function errorMessage(error) {
  return render(`error.${error.code}`, error.params ?? {}) ?? error.message ?? String(error);
}

/** What to do about it, in the user's language ('' when there is no hint). */
export function errorHint(error) {
  return (error.hintCode && render(`hint.${error.hintCode}`, error.params ?? {})) ?? '';
}

/** One line: what happened, then what to do. */
export function describe(error) {
  const message = errorMessage(error);
  const hint = errorHint(error);
  if (!hint) return message;
  return /[.!?:)]$/.test(message) ? `${message} ${hint}` : `${message}. ${hint}`;
}

/** Shows `error` in `box` (message in bold, hint below), or hides the box for `null`. */
export function showErrorBox(box, error) {
  box.hidden = !error;
  if (!error) return;
  box.dataset.code = error.code;
  const title = document.createElement('strong');
  title.textContent = errorMessage(error);
  const hint = document.createElement('p');
  hint.className = 'hint';
  hint.textContent = errorHint(error);
  box.replaceChildren(title, hint);
}

/** Asks for confirmation in an in-page dialog; resolves true when confirmed. */
export function confirmDialog(message, confirmLabel) {
  const dialog = document.getElementById('confirm-dialog');
  document.getElementById('confirm-message').textContent = message;
  document.getElementById('confirm-ok').textContent = confirmLabel;
  return new Promise((resolve) => {
    dialog.addEventListener('close', () => resolve(dialog.returnValue === 'confirm'), { once: true });
    dialog.returnValue = '';
    dialog.showModal();
  });
}
