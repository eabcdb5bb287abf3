// Loads the interface's words (locales/en.json, locales/es.json, and values.json: how values
// inside them are written; the page's own files) into
// i18n.js before anything is drawn. main.js imports this module first: its top-level await
// holds main.js back until both files are in. (Other modules may load meanwhile; none of them
// looks a word up while loading, only when called.)

import { useWords } from './i18n.js';

async function load(name) {
  const response = await fetch(new URL(`./locales/${name}.json`, import.meta.url));
  if (!response.ok) throw new Error(`locales/${name}.json: ${response.status}`);
  return response.json();
}

const [en, es, values] = await Promise.all([load('en'), load('es'), load('values')]);
useWords({ en, es }, values);
