// The one line Settings shows about updates, in the window's language (no page, no calls:
// the unit tests read it as the window does).

import { t, render } from './i18n.js';

/** The Settings line for `status`, in the window's language. */
export function updateLine(s) {
  if (!s.available) return t('update.fromSource');
  if (!s.last) return s.enabled ? t('update.never') : t('update.off');
  const finding = render(`update.found.${s.last.kind}`, { version: s.last.version ?? '' });
  const line = s.lastChecked
    ? render('update.lastLine', { at: s.lastChecked, finding })
    : finding.charAt(0).toUpperCase() + finding.slice(1);
  return s.enabled ? line : `${line} ${t('update.off')}`;
}
