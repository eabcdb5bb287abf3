// The language the window speaks ('en' or 'es'), on the lowest floor: i18n.js sets it with
// the words, format.js writes figures in it, and neither has to import the other for it.

let current = 'en';

/** The language in use: 'en' or 'es'. */
export function language() {
  return current;
}

/** Sets the language in use; i18n's `setLanguage` calls it, after checking there are words. */
export function useLanguage(lang) {
  current = lang;
}
