// The Activity table: every change Purser made to a cluster and every step of the budget
// guard, newest first, from the audit log, worded in the user's language.

import { api, onChanged } from './api.js';
import { t, render, language } from './i18n.js';
import { errorMessage, showErrorBox } from './messages.js';
import { reasonText } from './guard.js';

let contextLabel = (name) => name;

/** `label` names a context as the rest of the screen does (the sandbox says it is one). */
export function initActivity(label) {
  contextLabel = label;
  // Every command that writes an audit line says so (api.js): Activity follows by itself.
  onChanged('activity', loadActivity);
}

/** What an Activity line was about, in the user's language: its app and values (lines
 *  written before values were recorded: their English text). */
function activityDetail(entry) {
  if (!entry.app) return entry.target;
  if (!Object.keys(entry.params ?? {}).length) return entry.app;
  const params = { app: entry.app, ...entry.params };
  // The guard's decisions are worded as its notices are: the reason, with its figures.
  if (params.reason) return `${entry.app}: ${reasonText(params.reason, params, params.saving)}`;
  let text = render(`activityDetail.${entry.action}`, params) ?? entry.target;
  if (params.tookOver) text += ` · ${t('activity.tookOver')}`;
  if (params.withAdopted) text += ` · ${t('activity.withAdopted')}`;
  return text;
}

/** Where a line's change was: a cluster's namespace, or an OpenAI project. */
function where(entry) {
  if (entry.context === 'openai') return `OpenAI / ${entry.namespace}`;
  return `${contextLabel(entry.context)} / ${entry.namespace}`;
}

/** How an Activity line ended, with the reason when it did not go through. */
function outcomeText(entry) {
  const why = entry.error ? errorMessage(entry.error) : entry.result;
  return render(`outcome.${entry.outcome}`, { why }) ?? entry.result;
}

/** Redraws the Activity table from the audit log. */
export async function loadActivity() {
  try {
    const entries = await api.auditEntries(100);
    document.getElementById('activity-rows').replaceChildren(
      ...entries.map((e) => {
        const row = document.createElement('tr');
        const cells = [
          new Date(e.time).toLocaleString(language()),
          e.user,
          where(e),
          `${t(`activity.${e.action}`)} · ${activityDetail(e)}`,
          outcomeText(e),
        ];
        row.append(...cells.map((text) => Object.assign(document.createElement('td'), { textContent: text })));
        if (e.outcome !== 'ok') row.className = 'failed';
        return row;
      }),
    );
  } catch (error) {
    showErrorBox(document.getElementById('deploy-error'), error);
  }
}
