// The Overview: the first-run guide (three skippable steps), this month against the budget,
// one card per app Purser knows (its copies, the guard and its last check, what needs the
// user), and the keys whose last check failed. A card opens its app's Deployment or Cost view.

import { api } from './api.js';
import { t, tn, render } from './i18n.js';
import { money, WHOLE } from './format.js';
import { describe } from './messages.js';
import { reasonText } from './guard.js';

const $ = (id) => document.getElementById(id);
/** How often the overview on screen is read again. */
const REFRESH_MS = 15_000;
/** Where each guide step is done. */
const STEP_SECTION = { keys: 'credentials', cluster: 'deployment', budget: 'cost' };

let open = () => {};
let openApp = () => {};

/** `openSection(name)` opens a section; `openAppIn(section, card)` opens an app in one. */
export function initOverview(openSection, openAppIn) {
  open = openSection;
  openApp = openAppIn;
  $('guide-sample').addEventListener('click', async () => {
    await api.guideAct({ action: 'close' });
    open('cost');
  });
  $('overview-refresh').addEventListener('click', () => loadOverview());
  // While it is on screen, the overview follows the apps (rollouts move on by themselves).
  setInterval(() => {
    if (!document.querySelector('[data-panel="overview"]').hidden) loadOverview();
  }, REFRESH_MS);
  $('guide-resume').addEventListener('click', async () => {
    shown = '';
    drawGuide(await api.guideAct({ action: 'resume' }));
    $('h-guide').focus();
  });
}

/** Reads and draws the overview. */
let loading = false;
let last = null;

/** The overview on screen again, in the language in use. */
export function redrawOverview() {
  if (last) draw(last);
}

/** What is on screen, so a read that finds nothing new redraws nothing (a screen reader would
 *  read the alerts again). */
let shown = '';

export async function loadOverview() {
  if (loading) return;
  loading = true;
  const button = $('overview-refresh');
  button.disabled = true;
  try {
    const overview = await api.overview();
    const signature = JSON.stringify(overview);
    if (signature !== shown) draw(overview);
    shown = signature;
    last = overview;
    $('overview-error').hidden = true;
  } catch (error) {
    $('overview-error').hidden = false;
    $('overview-error').textContent = describe(error);
  } finally {
    button.disabled = false;
    loading = false;
  }
}

function draw(overview) {
  drawGuide(overview.guide);
  drawMonth(overview.month, overview.monthError);
  drawKeys(overview.failingKeys);
  drawApps(overview.apps);
}

function el(tag, props = {}, ...children) {
  const node = Object.assign(document.createElement(tag), props);
  node.append(...children);
  return node;
}

function drawGuide(guide) {
  $('guide').hidden = !guide.open;
  const left = guide.steps.filter((s) => !s.done).length;
  $('guide-resume-box').hidden = guide.open || left === 0;
  $('guide-resume').textContent = render('guide.resume', { count: guide.done, total: guide.steps.length });
  $('guide-steps').replaceChildren(...guide.steps.map((step, index) => {
    const title = el('h3', { textContent: `${index + 1}. ${t(`guide.${step.step}`)}` });
    const why = el('p', { textContent: t(`guide.${step.step}Why`) });
    const local = el('p', { className: 'meta', textContent: t(`guide.${step.step}Local`) });
    const item = el('li', { className: 'guide-step' }, title, why, local);
    if (step.done) {
      item.append(el('p', { className: 'done', textContent: t('guide.done') }));
    } else if (step.skipped) {
      item.append(el('p', { className: 'meta', textContent: t('guide.skipped') }));
    } else {
      const go = el('button', { type: 'button', className: 'primary', textContent: t(`guide.${step.step}Go`) });
      go.addEventListener('click', () => open(STEP_SECTION[step.step]));
      const skip = el('button', { type: 'button', textContent: t('guide.skip') });
      skip.setAttribute('aria-label', render('guide.skipStep', { step: t(`guide.${step.step}`) }));
      skip.addEventListener('click', async () => {
        shown = '';
        drawGuide(await api.guideAct({ action: 'skip', step: step.step }));
      });
      item.append(el('div', { className: 'row actions' }, go, skip));
    }
    return item;
  }));
}

function drawMonth(month, error) {
  const box = $('overview-month-body');
  $('overview-sample').hidden = month?.origin !== 'sample';
  if (!month) {
    box.replaceChildren(el('p', { className: 'error', textContent: error ? describe(error) : '' }));
    return;
  }
  const amount = (value) => money(value, month.currency, WHOLE);
  const lines = [];
  if (month.budget != null) {
    const percent = month.spentPercent;
    lines.push(el('p', { textContent: render('cost.spentOfBudget', { spent: month.spent, budget: month.budget, currency: month.currency, percent }) }));
    const fill = el('div', { className: `bar-fill${month.over ? ' over' : ''}` });
    fill.style.width = `${Math.min(100, percent)}%`;
    const bar = el('div', { className: 'bar' }, fill);
    bar.setAttribute('role', 'img');
    bar.setAttribute('aria-label', render('overview.barLabel', { percent }));
    lines.push(bar);
  } else {
    lines.push(el('p', { textContent: render('cost.spentNoBudget', { spent: month.spent, currency: month.currency }) }));
  }
  if (month.monthEnd != null) {
    lines.push(el('p', { textContent: render('cost.forecastLine', { end: amount(month.monthEnd), low: amount(month.low), high: amount(month.high) }) }));
  }
  if (month.over) lines.push(el('p', { className: 'budget-warning', textContent: t('overview.over') }));
  if (month.stale) lines.push(el('p', { className: 'stale', textContent: t('overview.stale') }));
  const details = el('button', { type: 'button', textContent: t('overview.openCost') });
  details.addEventListener('click', () => open('cost'));
  lines.push(el('div', { className: 'row actions' }, details));
  box.replaceChildren(...lines);
}

function drawKeys(failing) {
  $('overview-keys').replaceChildren(...failing.map((key) => {
    const why = describe({ code: key.code, params: key.params, hintCode: key.hintCode ?? '' });
    const go = el('button', { type: 'button', textContent: t('overview.openCredentials') });
    go.addEventListener('click', () => open('credentials'));
    const item = el('div', { className: 'notice' },
      el('strong', { textContent: render('overview.keyFailing', { service: t(`overview.service.${key.service}`) }) }),
      el('p', { textContent: why }), go);
    item.setAttribute('role', 'alert');
    return item;
  }));
}

/** "3 of 3 copies ready", or why the cluster could not be read. */
function copiesText(card) {
  if (card.unreachable) return render('overview.unreachable', { why: describe(card.unreachable) });
  const r = card.rollout;
  const values = { ready: r.ready, desired: r.desired, updated: r.updated };
  // The Deployment screen's words for trouble point "below", at problems listed there.
  if (r.phase === 'trouble' || r.phase === 'failed') return tn(`overview.${r.phase}`, r.desired, values);
  return tn(`rollout.${r.phase}`, r.desired, values);
}

function appCard(card) {
  const where = card.sandbox
    ? `${t('deployment.sandboxOption')} / ${card.namespace}`
    : `${card.context} / ${card.namespace}`;
  const heading = el('h2', { textContent: card.app });
  const needs = [];
  if (card.waiting) needs.push(t('overview.needs.proposal'));
  if (card.stuck) needs.push(t('overview.needs.rollout'));
  if (card.overBudget) needs.push(t('overview.needs.overBudget'));
  const guard = render(`guard.sentence.${card.policy.mode}`, { floor: card.policy.floor ?? 0, to: card.policy.floor ?? 0 });
  const parts = [
    heading,
    el('p', { className: 'meta', textContent: where }),
    el('p', { className: `copies${card.stuck || card.unreachable ? ' error' : ''}`, textContent: copiesText(card) }),
    el('p', { textContent: `${t('overview.guard')} ${t(`guardMode.${card.policy.mode}`)}${card.paused ? ` · ${t('overview.paused')}` : ''}`, title: guard }),
  ];
  if (card.lastCheck) {
    const reason = reasonText(card.lastCheck.code, { app: card.app, ...card.lastCheck.params });
    parts.push(el('p', { className: 'meta', textContent: render('guard.line', { at: card.lastCheck.at, reason }) }));
  }
  if (needs.length) {
    parts.push(el('ul', { className: 'needs' }, ...needs.map((need) => el('li', { textContent: need }))));
  }
  const deployment = el('button', { type: 'button', textContent: t('overview.openDeployment') });
  deployment.setAttribute('aria-label', render('overview.openDeploymentOf', { app: card.app, where }));
  deployment.addEventListener('click', () => openApp('deployment', card));
  const cost = el('button', { type: 'button', textContent: t('overview.openCost') });
  cost.setAttribute('aria-label', render('overview.openCostOf', { app: card.app }));
  cost.addEventListener('click', () => openApp('cost', card));
  parts.push(el('div', { className: 'row actions' }, deployment, cost));
  const article = el('article', { className: `card app-card${needs.length ? ' needs-you' : ''}` }, ...parts);
  article.dataset.app = `${card.context}/${card.namespace}/${card.app}`;
  article.setAttribute('aria-label', render('overview.cardLabel', { app: card.app, where }));
  return article;
}

function drawApps(apps) {
  $('overview-no-apps').hidden = apps.length > 0;
  $('overview-apps').replaceChildren(...apps.map(appCard));
}
