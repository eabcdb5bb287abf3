// Interface text in English and Spanish. Elements carry `data-i18n="key"` (text) or
// `data-i18n-aria="key"` (aria-label); `translate()` fills them for the current language.
// The words themselves are data, in locales/en.json and locales/es.json: words.js loads them
// into this module (`useWords`) before the window draws anything. This module only renders,
// fetches nothing and touches no page when loaded, so node's unit tests can import it.

import { language, useLanguage } from './language.js';
import { money } from './format.js';

export { language };

/** The installed dictionaries: language → key → text, or a plural object ({one, other}). */
let STRINGS = { en: {}, es: {} };

/**
 * How values inside texts are written (locales/values.json, shared with purser-core's words/):
 * `words` — values that are words themselves, looked up under a prefix; `counts` — the value
 * that picks a plural form; `money` — amounts, written as money; `exact` — amounts shown to
 * the cent when they have cents; `times` — moments (RFC 3339), written as the clock shows them.
 */
let VALUES = { words: {}, counts: [], money: [], exact: [], times: [] };

/** A moment as this computer's clock writes it: "19:14" today, "1 Dec, 00:00" otherwise. */
export function momentText(text) {
  const at = new Date(text);
  if (Number.isNaN(at.getTime())) return String(text);
  const lang = language();
  const time = { hour: '2-digit', minute: '2-digit' };
  const today = new Date().toDateString() === at.toDateString();
  // A day's start (a hold "until 1 January") reads as the day alone; a moment that only
  // falls in the first minute (a look at 00:00:30) keeps its time.
  if (at.getHours() === 0 && at.getMinutes() === 0 && at.getSeconds() === 0 && at.getMilliseconds() === 0) {
    return at.toLocaleDateString(lang, { day: 'numeric', month: 'long' });
  }
  return today
    ? at.toLocaleTimeString(lang, time)
    : at.toLocaleString(lang, { day: 'numeric', month: 'short', ...time });
}

/**
 * Installs the dictionaries, `{ en: {...}, es: {...} }` (as locales/*.json hold them), and
 * how their values are written (locales/values.json): every text shown from then on is read
 * from these. English is the fallback for a key missing in another language, so `en` must be
 * there.
 */
export function useWords(words, values) {
  STRINGS = words;
  VALUES = values;
}

function lookup(key) {
  return STRINGS[language()]?.[key] ?? STRINGS.en[key];
}

function pick(entry, n) {
  if (typeof entry === 'string') return entry;
  return entry[new Intl.PluralRules(language()).select(n ?? 0)] ?? entry.other;
}

/** Text for `key` in the current language (English, then the key itself, as fallbacks). */
export function t(key) {
  const entry = lookup(key);
  return entry === undefined ? key : pick(entry, undefined);
}

/** True when a translation exists for `key`. */
export function has(key) {
  return key in STRINGS.en;
}

function word(name, value, params) {
  if (value === null || value === undefined) return '';
  if (VALUES.times.includes(name) && typeof value === 'string') return momentText(value);
  if (VALUES.money.includes(name) && typeof value === 'number') {
    // Whole units, except an exact amount that has cents: "$400", "$400.50".
    const cents = VALUES.exact.includes(name) && !Number.isInteger(value);
    return money(value, params.currency ?? 'USD', { cents, lang: language() });
  }
  const prefix = VALUES.words[name];
  return prefix && has(prefix + value) ? t(prefix + value) : String(value);
}

/**
 * Text for `key` with its values: `{name}` placeholders are filled from `params` (values that
 * are words themselves, such as a setting's name, in the user's language), and a text with
 * singular and plural forms picks one by its count. `undefined` when there is no such key.
 */
export function render(key, params = {}) {
  const entry = lookup(key);
  if (entry === undefined) return undefined;
  const count = VALUES.counts.map((name) => params[name]).find((v) => typeof v === 'number');
  return pick(entry, count).replace(/\{(\w+)\}/g, (_, name) => word(name, params[name], params));
}

/**
 * A sentence the core worded as a phrase (`{ key, params, items }`): its words, then its items
 * after a colon, and a full stop — as `words::sentence` writes it for the report.
 */
export function renderPhrase({ key, params = {}, items = [] }) {
  const said = (phrase) => render(phrase.key, phrase.params) ?? phrase.key;
  const text = said({ key, params });
  return items.length ? `${text}: ${items.map(said).join(', ')}.` : `${text}.`;
}

/** [`render`] for texts whose count is `n`. */
export function tn(key, n, params = {}) {
  return render(key, { count: n, ...params }) ?? key;
}

/** Switches language and re-translates everything under `root`. */
export function setLanguage(lang, root = document) {
  useLanguage(lang in STRINGS ? lang : 'en');
  document.documentElement.lang = language();
  translate(root);
}

/** Fills every `data-i18n` / `data-i18n-aria` / `data-i18n-placeholder` element under
 *  `root` (a search box's placeholder is also its label). */
export function translate(root = document) {
  for (const el of root.querySelectorAll('[data-i18n]')) {
    el.textContent = t(el.dataset.i18n);
  }
  for (const el of root.querySelectorAll('[data-i18n-aria]')) {
    el.setAttribute('aria-label', t(el.dataset.i18nAria));
  }
  for (const el of root.querySelectorAll('[data-i18n-placeholder]')) {
    el.placeholder = t(el.dataset.i18nPlaceholder);
    el.setAttribute('aria-label', el.placeholder);
  }
}
