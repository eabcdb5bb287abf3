// The Cost & budget section: chart, summary against the budget, exports, budget and query
// settings, and a month-by-month breakdown. All figures come from the backend; sample data is
// labelled as such.

import { api } from './api.js';
import { t, render, renderPhrase, language } from './i18n.js';
import { money, moneyFromCents, amountForInput, WHOLE } from './format.js';
import { describe, showErrorBox } from './messages.js';
import { showOpenAiProjects, chosenProject, drawOpenAiLine, serviceCell } from './openai.js';
import { initOpenAiLimit, loadOpenAiLimit } from './openai-limit.js';

/** Summaries show money in whole units: "$1,234". */
let view = null;
let selectedMonth = null;
let onStatusChange = () => {};

const theme = () =>
  document.documentElement.dataset.theme ??
  (window.matchMedia('(prefers-color-scheme: dark)').matches ? 'dark' : 'light');

/** Wires the buttons; `refreshStatus` redraws the status bar. */
export function initCost(refreshStatus) {
  onStatusChange = refreshStatus;
  document.getElementById('cost-refresh').addEventListener('click', () => loadCost({ refresh: true }));
  for (const format of ['png', 'svg', 'csv', 'pdf']) {
    document.getElementById(`cost-export-${format}`).addEventListener('click', () => exportCost(format));
  }
  document.getElementById('budget-save').addEventListener('click', saveBudget);
  document.getElementById('budget-clear').addEventListener('click', () =>
    save({ budgetAmount: null }, 'budget-message'));
  document.getElementById('query-save').addEventListener('click', saveQuery);
  initOpenAiLimit();
  window.matchMedia('(prefers-color-scheme: dark)').addEventListener('change', () => view && loadCost());
  // The chart is drawn at the width it is shown at, so its text keeps its size: redraw
  // (from the cache, no new request) when the window is resized.
  let resizing = null;
  window.addEventListener('resize', () => {
    clearTimeout(resizing);
    resizing = setTimeout(() => {
      if (view && !document.querySelector('[data-panel="cost"]').hidden) loadCost({ resized: true });
    }, 250);
  });
}

/** The chart's width on screen, in CSS pixels. */
function chartWidth() {
  const box = document.getElementById('cost-chart');
  return Math.round(box.clientWidth || box.parentElement.clientWidth || 900);
}

/** Puts a setting's value in its field, unless it is the value shown there already: a
 *  redraw (the status refreshes often) must not undo what the user is typing. */
function fill(id, value) {
  const field = document.getElementById(id);
  const text = String(value);
  if (field.dataset.shown === text) return;
  field.value = text;
  field.dataset.shown = text;
}

let costSettings = null;
let projectsShown = null;

/** Fills the forms from settings. */
export function showCostSettings(settings) {
  costSettings = settings;
  fill('budget-amount', amountForInput(settings.budgetAmount));
  fill('budget-thresholds', settings.budgetThresholds.join(', '));
  fill('budget-currency', settings.budgetCurrency);
  fill('cost-request-cap', settings.costRequestCap);
  fill('cost-metric', settings.costMetric);
  fill('cost-months', settings.costMonths);
  fill('cost-tag', settings.costTag ?? '');
  fill('cost-account', settings.costLinkedAccount ?? '');
  if (projectsShown !== null && projectsShown !== (settings.openaiProject ?? '')) showProjects();
}

/** Lists the OpenAI projects (once per visit to the screen, or when the choice changed). */
function showProjects() {
  projectsShown = costSettings?.openaiProject ?? '';
  if (costSettings) showOpenAiProjects(costSettings);
}

/** Loads (from cache or Cost Explorer) and draws the view. */
export async function loadCost({ refresh = false, resized = false } = {}) {
  const button = document.getElementById('cost-refresh');
  button.disabled = true;
  try {
    view = await api.costView(refresh, theme(), chartWidth());
    showError(null);
    if (view.openai && projectsShown === null) showProjects();
    // The limits are OpenAI's own: read with the view, not on every redraw.
    if (view.openai && !resized) loadOpenAiLimit();
  } catch (error) {
    showError(error);
  } finally {
    button.disabled = false;
  }
  draw();
  onStatusChange();
}

function draw() {
  const chart = document.getElementById('cost-chart');
  document.getElementById('cost-sample').hidden = view?.report.origin !== 'sample';
  if (!view) {
    chart.replaceChildren();
    return;
  }
  const svg = new DOMParser().parseFromString(view.chartSvg, 'image/svg+xml').documentElement;
  chart.replaceChildren(document.importNode(svg, true));
  drawSummary();
  drawMeta();
  drawOpenAiLine(view.openai);
  drawChange();
  drawMonths();
}

/** What changed this month, in the sentences the core chose. */
function drawChange() {
  const lines = view.change ?? [];
  document.getElementById('cost-change').hidden = !lines.length;
  document.getElementById('cost-change-lines').replaceChildren(
    ...lines.map((phrase) => Object.assign(document.createElement('p'), { textContent: renderPhrase(phrase) })));
}

function drawSummary() {
  const { report, status } = view;
  const currency = report.series.currency;
  const box = document.getElementById('cost-summary');
  const lines = [];
  const current = report.series.months.find((m) => m.month === report.currentMonth);
  const spent = current ? current.services.reduce((sum, [, amount]) => sum + amount, 0) : 0;
  if (status) {
    lines.push(render('cost.spentOfBudget', {
      spent: money(status.spent, currency, WHOLE),
      budget: money(status.budget, currency, WHOLE),
      percent: Math.round(status.spentPercent),
    }));
  } else {
    lines.push(render('cost.spentNoBudget', { spent: money(spent, currency, WHOLE) }));
  }
  const forecast = report.forecast;
  if (forecast.state === 'available') {
    lines.push(render('cost.forecastLine', {
      end: money(spent + forecast.remainingMean, currency, WHOLE),
      low: money(spent + forecast.remainingLow, currency, WHOLE),
      high: money(spent + forecast.remainingHigh, currency, WHOLE),
    }));
  } else if (forecast.state === 'notEnoughHistory') {
    lines.push(t('cost.noHistory'));
  } else {
    lines.push(`${t('cost.noForecast')} ${describe(forecast.error)}`);
  }
  box.replaceChildren(...lines.map((text) => Object.assign(document.createElement('p'), { textContent: text })));
  if (status && (status.crossed.length || status.forecastToCross.length)) {
    const warn = document.createElement('p');
    warn.className = 'budget-warning';
    warn.textContent = status.crossed.length
      ? render('cost.crossed', { percent: status.crossed.at(-1) })
      : render('cost.willCross', { percent: status.forecastToCross[0] });
    box.append(warn);
  }
}

function drawMeta() {
  const { report } = view;
  const parts = [];
  if (report.fetchedAt) {
    parts.push(`${t('cost.refreshedAt')} ${new Date(report.fetchedAt).toLocaleString(language())}`);
  }
  parts.push(t('cost.estimated'));
  parts.push(render('cost.requests', {
    n: report.requestsThisMonth,
    cost: moneyFromCents(Math.round(report.requestsCostUsd * 100), 'USD'),
  }));
  const meta = parts.join(' · ');
  document.getElementById('cost-meta').textContent = meta.charAt(0).toUpperCase() + meta.slice(1);
  const stale = document.getElementById('cost-stale');
  stale.hidden = !report.stale;
  if (report.stale) stale.textContent = `${t('cost.stale')} ${describe(report.stale.error)}`;
}

/** "Oct 2026", in the user's language. */
function monthName(month) {
  return new Date(`${month}T00:00:00Z`).toLocaleDateString(language(), { month: 'short', year: 'numeric', timeZone: 'UTC' });
}

function drawMonths() {
  const list = document.getElementById('cost-months-list');
  const months = view.months;
  const currency = view.report.series.currency;
  if (!months.some((m) => m.month === selectedMonth)) selectedMonth = months.at(-1)?.month ?? null;
  list.replaceChildren(...months.map((month) => {
    const button = document.createElement('button');
    button.type = 'button';
    const name = document.createElement('span');
    name.textContent = monthName(month.month);
    button.append(name);
    if (month.overBudgetCents) {
      // Said in words, not only with the chart's red outline.
      button.classList.add('over-budget');
      const over = document.createElement('span');
      over.className = 'over';
      over.textContent = render('cost.overBy', { amount: moneyFromCents(month.overBudgetCents, currency) });
      button.append(over);
    }
    button.setAttribute('aria-pressed', String(month.month === selectedMonth));
    button.dataset.month = month.month;
    button.addEventListener('click', () => {
      selectedMonth = month.month;
      drawMonths();
    });
    return button;
  }));
  const month = months.find((m) => m.month === selectedMonth);
  const caption = document.getElementById('cost-breakdown-caption');
  caption.replaceChildren();
  if (month) {
    caption.append(`${monthName(month.month)}${month.estimated ? ` (${t('cost.estimatedShort')})` : ''}`);
    if (month.overBudgetCents) {
      const over = document.createElement('strong');
      over.className = 'over';
      over.textContent = ` · ${render('cost.overBy', { amount: moneyFromCents(month.overBudgetCents, currency) })}`;
      caption.append(over);
    }
  }
  const body = document.querySelector('#cost-breakdown tbody');
  const cell = (service) => serviceCell(service, month.month, view.openai,
    (amount) => moneyFromCents(Math.round(amount * 100), currency));
  body.replaceChildren(...(month?.rows ?? []).map(([service, cents]) => row(cell(service), moneyFromCents(cents, currency))));
  const foot = document.querySelector('#cost-breakdown tfoot');
  foot.replaceChildren(...(month ? [row(t('cost.total'), moneyFromCents(month.totalCents, currency), 'th')] : []));
}

function row(label, amount, cell = 'td') {
  const tr = document.createElement('tr');
  const name = document.createElement(cell);
  name.append(label);
  if (cell === 'th') name.scope = 'row';
  const cost = document.createElement('td');
  cost.className = 'num';
  cost.textContent = amount;
  tr.append(name, cost);
  return tr;
}

function showError(error) {
  showErrorBox(document.getElementById('cost-error'), error);
}

async function exportCost(format) {
  const message = document.getElementById('cost-export-message');
  message.className = 'field-message';
  message.textContent = '';
  try {
    const path = await api.exportCost(format, theme());
    if (path) message.textContent = render('cost.exported', { path });
  } catch (error) {
    message.className = 'field-message error';
    message.textContent = describe(error);
  }
}

async function save(patch, messageId) {
  const message = document.getElementById(messageId);
  try {
    const status = await api.updateSettings(patch);
    message.className = 'field-message';
    message.textContent = t('settings.saved');
    showCostSettings(status.settings);
    await loadCost();
  } catch (error) {
    message.className = 'field-message error';
    message.textContent = describe(error);
  }
}

function saveBudget() {
  save({
    budgetAmount: document.getElementById('budget-amount').value,
    budgetThresholds: document.getElementById('budget-thresholds').value,
    budgetCurrency: document.getElementById('budget-currency').value,
  }, 'budget-message');
}

function saveQuery() {
  save({
    costMetric: document.getElementById('cost-metric').value,
    costMonths: document.getElementById('cost-months').value,
    costTag: document.getElementById('cost-tag').value,
    costLinkedAccount: document.getElementById('cost-account').value,
    costRequestCap: document.getElementById('cost-request-cap').value,
    openaiProject: chosenProject(),
  }, 'query-message');
}
