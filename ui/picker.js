// Long choice lists made searchable: above a <select> with many entries (a kubeconfig with
// 200 contexts, a cluster with 5,000 namespaces) a search box narrows the choices as the user
// types; the select itself stays keyboard-navigable. When narrowing changes the choice, the
// select's own `change` runs, so everything that follows a new choice (disconnecting from
// the old cluster first of all) happens as if the user had picked it.

import { t } from './i18n.js';

/** Lists shorter than this need no search box. */
const LONG = 12;
const all = new WeakMap();

/** Makes `select` searchable, its box labelled with the words of `labelKey`. Call after each
 *  refill of its options. */
export function searchable(select, labelKey) {
  all.set(select, [...select.options].map((o) => ({ value: o.value, text: o.textContent })));
  let box = document.getElementById(`${select.id}-search`);
  if (!box) {
    box = Object.assign(document.createElement('input'), {
      type: 'search', id: `${select.id}-search`, autocomplete: 'off', spellcheck: false,
    });
    box.className = 'picker-search';
    box.addEventListener('input', () => narrow(select, box));
    box.addEventListener('keydown', (event) => {
      if (event.key === 'ArrowDown') select.focus();
    });
    select.before(box);
  }
  box.dataset.i18nPlaceholder = labelKey;
  box.placeholder = t(labelKey);
  box.setAttribute('aria-label', t(labelKey));
  box.value = '';
  box.hidden = select.hidden || all.get(select).length < LONG;
}

function narrow(select, box) {
  const words = box.value.trim().toLowerCase();
  const chosen = select.value;
  const matching = (all.get(select) ?? []).filter((o) => o.text.toLowerCase().includes(words));
  select.replaceChildren(...matching.map((o) => new Option(o.text, o.value)));
  if (matching.some((o) => o.value === chosen)) {
    select.value = chosen;
  } else if (matching.length) {
    select.value = matching[0].value;
    select.dispatchEvent(new Event('change'));
  }
}
