// Shared by the unit tests: the real dictionaries read from locales/*.json, and a page with
// no elements, since i18n's setLanguage marks the page's language and re-translates it.
// (Not a test file itself: node --test runs only *.test.mjs here.)

import { readFileSync } from 'node:fs';
import { useWords, setLanguage } from '../i18n.js';

/** A locale file as the window loads it. */
export function locale(lang) {
  return JSON.parse(readFileSync(new URL(`../locales/${lang}.json`, import.meta.url), 'utf8'));
}

export const EN = locale('en');
export const ES = locale('es');
export const VALUES = locale('values');

globalThis.document ??= { documentElement: {}, querySelectorAll: () => [] };

/** Installs the real words and switches to `lang`. */
export function speak(lang, words = { en: EN, es: ES }) {
  useWords(words, VALUES);
  setLanguage(lang);
}
