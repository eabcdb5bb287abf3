// The budget guard on the Deployment screen: the app's policy and, in one sentence, what it
// will do; what a copy costs; a waiting proposal to approve or dismiss; revert; and the cost
// of a change in copies next to the scale control and in the deploy preview. Decisions are
// the core's; this draws and asks.

import { api } from './api.js';
import { t, render, language } from './i18n.js';
import { money, WHOLE } from './format.js';
import { describe, errorMessage, errorHint } from './messages.js';
import { initGuardInstall, showGuardInstall } from './guard-install.js';

const $ = (id) => document.getElementById(id);
/** What changes the shared record: disabled for someone who may only read it. */
const SHARED_CONTROLS = [
  'guard-shared-budget', 'guard-shared-budget-save', 'guard-mode', 'guard-floor', 'guard-save',
  'guard-approve', 'guard-dismiss', 'guard-revert', 'guard-notify-only', 'guard-stand-in',
];
let target = null;
let app = null;
let view = null;
let confirmDialog = async () => false;

/** The guard shows money in whole units: "$1,234", "1234 US$". */

/** Wires the controls. `ask` shows a confirmation. (What an action changes elsewhere — the
 *  status bar, Activity — is redrawn through api.js's declared changes.) */
export function initGuard(ask) {
  confirmDialog = ask;
  initGuardInstall(ask, draw);
  $('guard-mode').addEventListener('change', () => drawSentence(policyOnForm()));
  $('guard-floor').addEventListener('input', () => drawSentence(policyOnForm()));
  $('guard-save').addEventListener('click', save);
  $('guard-approve').addEventListener('click', () => act(() => api.guardApprove(target, app), 'guard.approved'));
  $('guard-dismiss').addEventListener('click', () => act(() => api.guardDismiss(target, app), 'guard.dismissed'));
  $('guard-revert').addEventListener('click', () => revert(false));
  $('guard-notify-only').addEventListener('click', () => savePolicy({ mode: 'notify' }));
  $('guard-openai-save').addEventListener('click', () =>
    act(() => api.setGuardOpenaiLever(target, app, $('guard-openai-lever').value), 'guard.saved'));
  $('guard-openai-approve').addEventListener('click', () => act(() => api.guardApproveOpenai(target, app), 'guard.capped'));
  $('guard-openai-dismiss').addEventListener('click', () => act(() => api.guardDismissOpenai(target, app), 'guard.dismissed'));
  $('guard-check').addEventListener('click', checkNow);
  $('guard-test-now').addEventListener('click', testNow);
  $('guard-shared-budget').addEventListener('input', () => { $('guard-shared-budget').dataset.edited = 'yes'; });
  $('guard-shared-budget-save').addEventListener('click', async () => {
    const input = $('guard-shared-budget');
    try {
      const next = await api.setSharedBudget(target, app, input.value);
      input.dataset.edited = '';
      draw(next);
      $('guard-message').textContent = t('guard.saved');
    } catch (error) {
      $('guard-message').textContent = describe(error);
    }
  });
  $('guard-stand-in').addEventListener('click', () =>
    act(() => api.guardStandIn(target, app, !view.inCluster.standIn), 'guard.saved'));
  $('guard-prices-save').addEventListener('click', savePrices);
  $('guard-tag-save').addEventListener('click', saveTag);
}

/** A price as typed in the user's language ("0,04048" in Spanish); -1 when it is not a
 *  number, which the core refuses naming the field. */
function price(id) {
  const raw = $(id).value.trim();
  const text = language() === 'es' ? raw.replace(',', '.') : raw;
  return /^\d+(\.\d+)?$/.test(text) ? Number(text) : -1;
}

async function savePrices() {
  showFieldProblems();
  try {
    draw(await api.setGuardPrices(target, app, price('guard-vcpu-hour'), price('guard-gb-hour')));
    $('guard-message').textContent = t('guard.saved');
  } catch (error) {
    showFieldProblems(error.fields);
    $('guard-message').textContent = describe(error);
  }
}

async function saveTag() {
  showFieldProblems();
  try {
    draw(await api.setGuardCostTag(target, app, $('guard-cost-tag').value));
    $('guard-message').textContent = t('guard.saved');
  } catch (error) {
    showFieldProblems(error.fields);
    $('guard-message').textContent = describe(error);
  }
}

/** One copy's cost in words, with how it was reached. */
function copyCostText(cost) {
  if (!cost) return t('guard.copyCostUnknown');
  if (cost.measured) {
    const [year, month] = cost.measured.month.split('-').map(Number);
    const name = new Date(Date.UTC(year, month - 1, 15))
      .toLocaleString(language(), { month: 'long', year: 'numeric', timeZone: 'UTC' });
    return render('guard.copyCostMeasured', {
      monthly: money(cost.monthly, 'USD', WHOLE),
      month: name,
      tag: cost.measured.tag,
      cost: money(cost.measured.cost, 'USD', WHOLE),
      hours: Math.round(cost.measured.copyHours).toLocaleString(language()),
    });
  }
  return render('guard.copyCost', {
    monthly: money(cost.monthly, 'USD', WHOLE),
    source: cost.source,
    vcpu: cost.size[0].toLocaleString(language()),
    gb: cost.size[1].toLocaleString(language()),
  });
}

/** Runs the guard now, as the schedule would, and shows what it found (its line), including
 *  a cooldown and when it ends — never a bare "nothing to do". */
async function checkNow() {
  const button = $('guard-check');
  button.disabled = true;
  try {
    await api.guardCheck();
    await showGuard(target, app);
  } catch (error) {
    $('guard-message').textContent = describe(error);
  } finally {
    button.disabled = false;
  }
}

/** One check of the guard in the cluster now; what it found shows in its line when it ends
 *  (at once on the sandbox, where Purser runs it). */
async function testNow() {
  const button = $('guard-test-now');
  button.disabled = true;
  try {
    const started = await api.guardTestNow(target, app);
    draw(await api.guardView(target, app));
    $('guard-message').textContent = started.simulated
      ? t('guard.cluster.testSimulated')
      : render('guard.cluster.testStarted', { job: started.job });
  } catch (error) {
    $('guard-message').textContent = describe(error);
  } finally {
    button.disabled = false;
  }
}

/** Draws the guard shown again (it was paused or resumed from the tray). */
export function redrawGuard() {
  if (app) showGuard(target, app);
}

/** Draws the guard shown again after the guard told something (a check here, or one in the
 *  cluster seen), keeping the last message. */
export async function refreshGuard() {
  if (!app) return;
  // Someone typing in the guard's form keeps what they typed: the notice area tells meanwhile.
  const focused = document.activeElement;
  if ($('guard-box').contains(focused) && focused.matches('input, select, textarea')) return;
  const [where, name] = [target, app];
  try {
    const fresh = await api.guardView(where, name);
    // Another app opened meanwhile draws its own.
    if (target === where && app === name) draw(fresh);
  } catch {
    // The notice area says what the guard told; the line stays as it was.
  }
}

/** Shows the guard for `name` in `where`; `null` hides it. */
export async function showGuard(where, name) {
  target = where;
  app = name;
  view = null;
  $('guard-box').hidden = !name;
  $('guard-message').textContent = '';
  if (!name) return;
  // Nothing of the app shown before stays live while this one's guard is read (or fails to
  // be): its cluster line hidden, what changes a record disabled until drawn.
  $('guard-cluster').hidden = true;
  $('guard-shared-budget').dataset.edited = '';
  for (const id of SHARED_CONTROLS) $(id).disabled = true;
  try {
    draw(await api.guardView(target, app));
  } catch (error) {
    $('guard-message').textContent = describe(error);
  }
}

function policyOnForm() {
  const mode = $('guard-mode').value;
  const floor = Number($('guard-floor').value);
  return mode === 'propose' || mode === 'automatic' ? { mode, floor } : { mode };
}

function draw(next) {
  view = next;
  $('guard-mode').value = view.policy.mode;
  if (view.policy.floor !== undefined) $('guard-floor').value = view.policy.floor;
  drawSentence(view.policy);
  const decimals = { maximumFractionDigits: 6, useGrouping: false };
  $('guard-vcpu-hour').value = view.prices.vcpuHour.toLocaleString(language(), decimals);
  $('guard-gb-hour').value = view.prices.gbHour.toLocaleString(language(), decimals);
  $('guard-copy-cost').textContent = copyCostText(view.copyCost);
  $('guard-cost-tag').value = view.costTag ?? '';
  const problem = view.costTag && view.tagProblem;
  $('guard-tag-problem').hidden = !problem;
  $('guard-tag-problem').textContent = problem
    ? render(`guard.tag_${view.tagProblem}`, { tag: view.costTag }) ?? view.tagProblem
    : '';
  drawCluster(view.inCluster);
  showGuardInstall(target, app, Boolean(view.inCluster));
  drawProposal(view.proposal);
  drawRevertible(view.revertible);
  drawOpenAi(view);
  // While the guard holds off, the hold line says it (with how to end it) instead.
  drawLine(view.hold && view.lastCheck?.code === 'held' ? null : view.lastCheck);
  $('guard-hold').hidden = !view.hold;
  $('guard-hold').textContent = view.hold ? render('guard.holding', { until: view.hold.until }) : '';
  const gitops = view.gitops && view.policy.mode !== 'off' && view.policy.mode !== 'notify';
  $('guard-gitops').hidden = !gitops;
  $('guard-gitops-text').textContent = gitops ? render('guard.gitopsWarning', { tool: view.gitops, app }) : '';
  // Last, over what the proposal and revert drew: read-only for who may not change the record.
  // (Approve keeps what drawProposal decided.)
  const readOnly = Boolean(view.inCluster?.readOnly);
  for (const id of SHARED_CONTROLS) {
    if (readOnly || id !== 'guard-approve') $(id).disabled = readOnly;
  }
}

/** The guard in the cluster, where it is installed: how it is doing, its last check, and that
 *  this computer stands aside — or, while it is not working, the choice to guard from here. */
function drawCluster(seen) {
  $('guard-cluster').hidden = !seen;
  if (!seen) return;
  const params = { app, namespace: target.namespace, at: seen.lastCheck?.at, next: seen.next };
  const working = seen.health === 'working' || seen.health === 'first_run_due';
  // Calm while it works; a warning when nothing may be guarding the app.
  $('guard-cluster').classList.toggle('info', working);
  let title;
  if (!working) title = render(`error.guard_cluster_${seen.health}`, params);
  else if (!seen.next) title = t('guard.cluster.installed');
  else if (seen.health === 'working' && seen.lastCheck) title = render('guard.cluster.working', params);
  else title = render('guard.cluster.firstRunDue', params);
  $('guard-cluster-title').textContent = title;
  let text;
  if (working) text = t('guard.cluster.aside');
  else if (seen.standIn) text = t('guard.cluster.standingIn');
  else text = render(`hint.guard_cluster_${seen.health}`, params);
  const check = seen.lastCheck;
  const lines = [];
  if (check) lines.push(render('guard.line', { at: check.at, reason: reasonText(check.code, { app, ...check.params }) }));
  if (seen.changed) lines.push(render('guard.cluster.changed', { by: seen.changed.by, at: seen.changed.at }));
  const budget = seen.budget;
  // What the person typed stays until it is saved (a refused amount is there to correct).
  if (!$('guard-shared-budget').dataset.edited) {
    $('guard-shared-budget').value = budget?.amount == null ? ''
      : budget.amount.toLocaleString(language(), { maximumFractionDigits: 2, useGrouping: false });
  }
  $('guard-cluster-budget').textContent = budget?.amount == null ? t('guard.cluster.noBudget')
    : render('guard.cluster.budget', { amount: money(budget.amount, budget.currency, WHOLE) });
  $('guard-cluster-line').textContent = lines.join(' ');
  // Someone who may read the shared record but not change it sees it read-only, told why.
  if (seen.readOnly) text += ` ${render('guard.cluster.readOnly', params)}`;
  $('guard-cluster-text').textContent = text;
  const button = $('guard-stand-in');
  // Offered only while the guard in the cluster is not working (the core refuses otherwise).
  button.hidden = working;
  button.textContent = t(seen.standIn ? 'guard.cluster.standAside' : 'guard.cluster.standIn');
}

/** The OpenAI lever: its policy, its last look, and a cap waiting for approval. */
function drawOpenAi(current) {
  if (document.activeElement !== $('guard-openai-lever')) $('guard-openai-lever').value = current.openaiLever;
  const check = current.lastOpenaiCheck;
  $('guard-openai-line').textContent = check
    ? render('guard.line', { at: check.at, reason: reasonText(check.code, { app, ...check.params }) })
    : '';
  const proposal = current.openaiProposal;
  $('guard-openai-proposal').hidden = !proposal;
  if (proposal) {
    const params = { app, ...proposal.params };
    $('guard-openai-proposal-title').textContent = render('error.guard_openai_propose', params);
    $('guard-openai-proposal-text').textContent = `${reasonText('openai_over', params)} ${t('limit.consequence')}`;
  }
}

/** The waiting proposal, decided again now: what Approve would do, or why it would not. */
function drawProposal(proposal) {
  $('guard-proposal').hidden = !proposal;
  if (!proposal) return;
  const params = { app, ...proposal.params };
  $('guard-approve').disabled = !proposal.current;
  if (proposal.current) {
    $('guard-proposal-title').textContent = render('error.guard_propose', params);
    $('guard-proposal-text').textContent = reasonText(proposal.code, params, proposal.saving);
  } else {
    $('guard-proposal-title').textContent = render('guard.proposalGone', params);
    $('guard-proposal-text').textContent = reasonText(proposal.code, params);
  }
}

/** What a revert would put back, and whether only the Deployment's note says so. */
function drawRevertible(revertible) {
  $('guard-revert-box').hidden = !revertible;
  if (!revertible) return;
  const values = { previous: level(revertible.previous), set: level(revertible.set) };
  $('guard-revert-text').textContent = revertible.source === 'note'
    ? render('guard.revertNote', values)
    : render('guard.revertText', { ...values, at: revertible.at });
}

/** The guard's last look at this app, in one line with its time. */
function drawLine(check) {
  $('guard-line').textContent = check
    ? render('guard.line', { at: check.at, reason: reasonText(check.code, { app, ...check.params }) })
    : '';
}

/** "6", or an autoscaler's "2–10". */
function level(value) {
  return value.kind === 'autoscaler' ? `${value.min}–${value.max}` : String(value.replicas);
}

/** A reason the guard gives, in words, with what it saves when that is known (and, when
 *  automatic waits for money actually spent, or a GitOps tool would undo it, that too). */
export function reasonText(code, params, saving) {
  let text = render(`hint.guard_${code}`, params) ?? code;
  if (saving != null) text += ` ${render('guard.saves', { saving: money(saving, 'USD', WHOLE) })}`;
  if (params.waitsForSpend) text += ` ${t('guard.waitsForSpend')}`;
  if (params.gitops) text += ` ${render('guard.gitopsProposes', { tool: params.gitops })}`;
  return text;
}

function drawSentence(policy) {
  const floor = Number.isInteger(policy.floor) ? policy.floor : 0;
  $('guard-floor-field').hidden = !(policy.mode === 'propose' || policy.mode === 'automatic');
  let sentence = render(`guard.sentence.${policy.mode}`, { floor, to: floor }) ?? '';
  if (view?.paused && policy.mode !== 'off') sentence += ` ${t('guard.paused')}`;
  $('guard-sentence').textContent = sentence;
}

function showFieldProblems(problems = []) {
  for (const message of document.querySelectorAll('[data-guard-field]')) {
    const problem = problems.find((p) => p.field === message.dataset.guardField);
    message.textContent = problem ? render(`field.${problem.code}`, problem.params) ?? problem.code : '';
    message.classList.toggle('error', Boolean(problem));
  }
}

function save() {
  return savePolicy(policyOnForm());
}

/** Saves a policy; a floor of 0 copies is asked about in words first (once). */
async function savePolicy(policy, confirmZero = false) {
  showFieldProblems();
  try {
    draw(await api.setGuardPolicy(target, app, policy, confirmZero));
    $('guard-message').textContent = t('guard.saved');
  } catch (error) {
    if (error.code === 'guard_zero_unconfirmed' && !confirmZero) {
      if (await confirmDialog(render('guard.zeroQuestion', { app }), t('guard.zeroConfirm'))) {
        await savePolicy(policy, true);
      }
      return;
    }
    showFieldProblems(error.fields);
    $('guard-message').textContent = describe(error);
  } finally {
  }
}

async function act(run, done) {
  try {
    draw(await run());
    $('guard-message').textContent = t(done);
  } catch (error) {
    $('guard-message').textContent = describe(error);
    // A refused approval may have cleared the proposal: show what stands now.
    try {
      draw(await api.guardView(target, app));
    } catch {
      // The message above already says what went wrong.
    }
  } finally {
  }
}

/** Puts back what the guard changed. Asked first when someone changed the app since, or when
 *  only the note on the Deployment says what it had (with both figures and their cost). */
async function revert(anyway) {
  const hold = $('guard-hold-choice').value;
  try {
    draw(await api.guardRevert(target, app, anyway, hold));
    $('guard-message').textContent = t('guard.reverted');
  } catch (error) {
    const asks = ['guard_changed_since', 'guard_revert_confirm'].includes(error.code);
    if (!asks || anyway) {
      $('guard-message').textContent = describe(error);
      return;
    }
    const question = `${errorMessage(error)} ${errorHint(error)}`;
    if (await confirmDialog(question, t('guard.revertAnyway'))) await revert(true);
  } finally {
  }
}

/** The cost of a change in copies, in one line: "3 → 6 copies ≈ +$64 a month; …". */
export function costLine(preview) {
  if (!preview.copyCost || preview.monthlyChange == null) return t('guard.costUnknown');
  let line = render('guard.costPreview', {
    from: preview.from,
    to: preview.to,
    change: money(preview.monthlyChange, 'USD', { ...WHOLE, signed: true }),
  });
  if (preview.forecastUnknown) return `${line} ${t('guard.forecastUnknown')}`;
  if (preview.newMonthEnd != null) {
    const values = { newMonthEnd: money(preview.newMonthEnd, preview.currency, WHOLE) };
    line += ` ${preview.budget != null
      ? render('guard.costForecast', { ...values, budget: money(preview.budget, preview.currency, WHOLE) })
      : render('guard.costForecastNoBudget', values)}`;
  }
  return line;
}

let pending = null;
/** Shows, under the scale control, what `replicas` copies would cost (debounced). */
export function showScaleCost(where, name, replicas) {
  clearTimeout(pending);
  const box = $('scale-cost');
  if (!Number.isInteger(replicas) || replicas < 0) {
    box.textContent = '';
    return;
  }
  pending = setTimeout(async () => {
    try {
      const preview = await api.scaleCost(where, name, replicas);
      box.textContent = preview.from === preview.to ? '' : costLine(preview);
    } catch {
      box.textContent = '';
    }
  }, 200);
}

/** Shows, in the deploy preview, what the form would cost. */
export async function showFormCost(where, spec) {
  const box = $('preview-cost');
  box.textContent = '';
  try {
    box.textContent = costLine(await api.formCost(where, spec));
  } catch {
    // A form the core cannot price yet: the preview still shows what will change.
  }
}
