// The About box: Purser's version and licence, and the open-source crates it is built from
// (with theirs), searchable because there are hundreds.

import { api } from './api.js';
import { render, tn } from './i18n.js';

const $ = (id) => document.getElementById(id);

function drawList(components, filter) {
  const wanted = filter.trim().toLowerCase();
  $('about-list').replaceChildren(
    ...components
      .filter((c) => !wanted || c.name.toLowerCase().includes(wanted) || c.licence.toLowerCase().includes(wanted))
      .map((c) => {
        const item = document.createElement('li');
        const name = document.createElement('strong');
        name.textContent = `${c.name} ${c.version}`;
        item.append(name, ` — ${c.licence}`);
        return item;
      }),
  );
}

export async function showAbout() {
  const about = await api.about();
  $('about-version').textContent = render('about.version', { version: about.version });
  $('about-licence').textContent = render('about.licence', { licence: about.licence });
  $('about-components-summary').textContent = tn('about.components', about.components.length, { n: about.components.length });
  $('about-search').value = '';
  $('about-search').oninput = () => drawList(about.components, $('about-search').value);
  drawList(about.components, '');
  if (!$('about-dialog').open) $('about-dialog').showModal();
}

export function initAbout(onError) {
  $('about-open').addEventListener('click', () => showAbout().catch(onError));
}
