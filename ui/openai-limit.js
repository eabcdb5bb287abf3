// OpenAI's hard spend limit on the Cost & budget screen: the project's limit and the
// organisation's, how far this month's spend is from each, a cap offered from the budget
// (never under this month's spend plus the margin shown), what happens at the cap in one
// sentence before confirming, and the limit put back as it was.

import { api } from './api.js';
import { t, render } from './i18n.js';
import { money, amountForInput } from './format.js';
import { describe, errorMessage, errorHint, confirmDialog } from './messages.js';

const $ = (id) => document.getElementById(id);
let shown = null;
/** The latest read or change: an older read answering after it (a budget saved meanwhile, a
 * cap just set) is dropped. */
let reads = 0;

/** Dollars to the cent, as the user's language writes them: OpenAI's limits are in USD. */
const usd = (amount) => money(amount, 'USD');

export function initOpenAiLimit() {
  $('limit-save').addEventListener('click', async () => {
    const amount = $('limit-amount').value;
    const question = `${render('limit.confirm', { amount: amount || '?' })} ${t('limit.consequence')}`;
    if (!(await confirmDialog(question, t('limit.save')))) return;
    await act(() => api.setOpenaiCap(amount), 'limit.saved');
  });
  $('limit-revert').addEventListener('click', async () => {
    await revert(false);
  });
}

async function revert(anyway) {
  reads += 1;
  try {
    draw(await api.revertOpenaiCap(anyway));
    $('limit-message').textContent = t('limit.reverted');
  } catch (error) {
    if (anyway || !['openai_cap_changed', 'openai_cap_removed'].includes(error.code)) {
      $('limit-message').textContent = describe(error);
      return;
    }
    const question = `${errorMessage(error)} ${errorHint(error)}`;
    if (await confirmDialog(question, t('limit.revertAnyway'))) await revert(true);
  }
}

async function act(run, done) {
  reads += 1;
  $('limit-message').textContent = '';
  try {
    draw(await run());
    $('limit-message').textContent = t(done);
  } catch (error) {
    $('limit-message').textContent = describe(error);
  }
}

/** Reads and draws the limits; hidden without an admin key. */
export async function loadOpenAiLimit() {
  const read = ++reads;
  try {
    const limits = await api.openaiLimits();
    if (read === reads) draw(limits);
  } catch (error) {
    if (read !== reads) return;
    $('openai-limit-card').hidden = error.code === 'not_stored';
    $('limit-error').hidden = false;
    $('limit-error').textContent = describe(error);
  }
}

/** A limit in words; `spent` is the spend it counts (`null`: not the spend shown here, as the
 * organisation's limit is when one project's spend is shown). */
function limitText(limit, spent, keys = ['limit.set', 'limit.enforcing']) {
  if (!limit) return t('limit.none');
  const left = spent === null ? 0 : limit.cents / 100 - spent;
  return render(limit.enforcing ? keys[1] : keys[0], { limit: usd(limit.cents / 100), left: usd(Math.max(left, 0)) });
}

/** The project as the picker names it ("Assistant"), else its ID. */
function projectName(id) {
  const option = [...$('openai-project').options].find((o) => o.value === id);
  return option?.textContent || id;
}

function draw(next) {
  shown = next;
  $('openai-limit-card').hidden = false;
  const errors = [shown.projectError, shown.organisationError].filter(Boolean);
  $('limit-error').hidden = !errors.length;
  $('limit-error').textContent = errors.map(describe).join(' ');
  $('limit-project').textContent = shown.project
    ? render('limit.project', { project: projectName(shown.project), spent: usd(shown.spent), what: limitText(shown.projectLimit, shown.spent) })
    : t('limit.chooseProject');
  $('limit-organisation').textContent = shown.organisationError
    ? ''
    : render('limit.organisation', {
      what: shown.project
        ? limitText(shown.organisationLimit, null, ['limit.orgSet', 'limit.orgEnforcing'])
        : limitText(shown.organisationLimit, shown.spent),
    });
  $('limit-set').hidden = !shown.project;
  const offer = shown.offer;
  // The field holds the limit there is, else the amount offered.
  const amount = shown.projectLimit ? shown.projectLimit.cents / 100 : offer?.offer;
  if (amount !== undefined && document.activeElement !== $('limit-amount')) $('limit-amount').value = amountForInput(amount, { alwaysCents: true });
  const offerText = offer
    ? render('limit.offer', {
      offer: usd(offer.offer),
      budget: usd(shown.budget),
      aws: usd(shown.awsMonthEnd),
      floorAmount: usd(offer.floor),
      margin: usd(offer.margin),
    })
    : t('limit.noBudget');
  $('limit-offer').textContent = offer && shown.awsSample ? `${offerText} ${t('limit.sampleAws')}` : offerText;
  $('limit-revert').hidden = !shown.setByPurser;
}
