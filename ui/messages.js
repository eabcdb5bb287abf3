// How errors ({ code, message, hint }) are shown: one place, so every screen reads the same.

/** One line: what happened, then what to do. */
export function describe(error) {
  return `${error.message}. ${error.hint}`;
}

/** Shows `error` in `box` (message in bold, hint below), or hides the box for `null`. */
export function showErrorBox(box, error) {
  box.hidden = !error;
  if (!error) return;
  box.dataset.code = error.code;
  const title = document.createElement('strong');
  title.textContent = error.message;
  const hint = document.createElement('p');
  hint.className = 'hint';
  hint.textContent = error.hint;
  box.replaceChildren(title, hint);
}
