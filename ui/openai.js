// OpenAI API spend on the Cost & budget screen: the project whose spend is the app's (read
// with the admin key), a line saying where the figures come from and how late they may be,
// or why they could not be read, and a month's line items on demand in the breakdown.

import { api } from './api.js';
import { t, render, language } from './i18n.js';
import { describe } from './messages.js';

const $ = (id) => document.getElementById(id);
export const OPENAI_SERIES = 'OpenAI API';

/** Fills the project choice: the whole organisation, then the projects the admin key can
 *  see. Hidden without an admin key. */
export async function showOpenAiProjects(settings) {
  const field = $('openai-project-field');
  const select = $('openai-project');
  const message = $('openai-project-message');
  message.textContent = '';
  let projects = [];
  try {
    projects = await api.openaiProjects();
  } catch (error) {
    field.hidden = error.code === 'not_stored';
    if (!field.hidden) message.textContent = `${t('cost.openaiProjectsFailed')} ${describe(error)}`;
  }
  if (projects.length) field.hidden = false;
  const whole = new Option(t('cost.openaiWholeOrg'), '');
  const options = projects.map((p) => new Option(
    p.archived ? render('cost.openaiArchived', { name: p.name ?? p.id }) : (p.name ?? p.id), p.id));
  const chosen = settings.openaiProject ?? '';
  // A project chosen before stays listed even if the key no longer sees it.
  if (chosen && !projects.some((p) => p.id === chosen)) options.push(new Option(chosen, chosen));
  select.replaceChildren(whole, ...options);
  select.value = chosen;
}

/** The chosen project for the settings patch: `null` for the whole organisation. */
export function chosenProject() {
  if ($('openai-project-field').hidden) return undefined;
  return $('openai-project').value || null;
}

/** The line under the chart about OpenAI's part, or nothing without an admin key. */
export function drawOpenAiLine(openai) {
  const line = $('cost-openai');
  line.hidden = !openai;
  if (!openai) return;
  const scope = openai.project
    ? ($('openai-project').selectedOptions[0]?.textContent || openai.project)
    : t('cost.openaiWholeOrg');
  const when = openai.fetchedAt ? new Date(openai.fetchedAt).toLocaleString(language()) : '';
  const parts = [];
  if (openai.spend) parts.push(render('cost.openaiLine', { scope, when }));
  if (openai.spend && !openai.spend.months.length) parts.push(t('cost.openaiNone'));
  if (openai.error) {
    parts.push(openai.spend
      ? `${t('cost.openaiStale')} ${describe(openai.error)}`
      : `${t('cost.openaiFailed')} ${describe(openai.error)}`);
  }
  line.textContent = parts.join(' ');
  line.classList.toggle('stale', Boolean(openai.error));
}

/** The breakdown's cell for a service: OpenAI's opens onto its line items that month. */
export function serviceCell(service, month, openai, amount) {
  const items = service === OPENAI_SERIES
    ? openai?.spend?.months.find((m) => m.month === month)?.lineItems ?? []
    : [];
  if (!items.length) return service;
  const details = document.createElement('details');
  const summary = document.createElement('summary');
  summary.textContent = service;
  const list = document.createElement('ul');
  list.className = 'line-items';
  list.append(...items.map(([item, value]) =>
    Object.assign(document.createElement('li'), { textContent: `${item}: ${amount(value)}` })));
  details.append(summary, list);
  return details;
}
