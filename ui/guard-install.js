// "Run the guard in the cluster" on the Deployment screen: the image, schedule and AWS role
// asked for; a preview (a server dry run of every object, the AWS policy its role needs, the
// budget it would share) before Install is offered; the YAML to export; and removal. The
// guard's line above then shows how the guard in the cluster is doing.

import { api } from './api.js';
import { t, render } from './i18n.js';
import { describe } from './messages.js';
import { changeItems } from './app-form.js';
import { money, WHOLE } from './format.js';

const $ = (id) => document.getElementById(id);
const MODE_WORDS = {
  off: 'guard.modeOff', notify: 'guard.modeNotify', propose: 'guard.modePropose', automatic: 'guard.modeAutomatic',
};
let target = null;
let app = null;
let confirmDialog = async () => false;
let redraw = () => {};

/** Wires the controls. `ask` shows a confirmation; `drawn(view)` redraws the guard. */
export function initGuardInstall(ask, drawn) {
  confirmDialog = ask;
  redraw = drawn;
  $('guard-install-preview').addEventListener('click', preview);
  $('guard-install-apply').addEventListener('click', install);
  $('guard-uninstall').addEventListener('click', uninstall);
  for (const id of ['guard-install-image', 'guard-install-schedule', 'guard-install-role']) {
    // What was previewed is what Install applies: an edit asks for a new preview.
    $(id).addEventListener('input', () => { $('guard-install-apply').disabled = true; });
  }
}

/** The field starts with the image published with this version; a build from source has
 * none, and says how to make one. */
export function offerPublishedImage(image) {
  const field = $('guard-install-image');
  if (image && !field.value) field.value = image;
  const hint = $('guard-install-image-hint');
  hint.dataset.i18n = image ? 'guardInstall.imagePublished' : 'guardInstall.imageFromSource';
  hint.textContent = t(hint.dataset.i18n);
}

/** Shows the install for `name` in `where` (installed: whether the guard runs there now). */
export function showGuardInstall(where, name, installed) {
  const moved = target?.context !== where?.context || target?.namespace !== where?.namespace || app !== name;
  target = where;
  app = name;
  $('guard-uninstall').hidden = !installed;
  if (moved) {
    $('guard-install-result').hidden = true;
    $('guard-install-apply').disabled = true;
    $('guard-install-message').textContent = '';
    showFieldProblems();
  }
}

function form() {
  return {
    image: $('guard-install-image').value,
    schedule: $('guard-install-schedule').value,
    awsRoleArn: $('guard-install-role').value,
  };
}

function showFieldProblems(problems = []) {
  for (const message of document.querySelectorAll('[data-install-field]')) {
    const problem = problems.find((p) => p.field === message.dataset.installField);
    message.textContent = problem ? render(`field.${problem.code}`, problem.params) ?? problem.code : '';
    message.classList.toggle('error', Boolean(problem));
  }
}

async function preview() {
  showFieldProblems();
  $('guard-install-message').textContent = '';
  $('guard-install-apply').disabled = true;
  try {
    const result = await api.guardInstallPreview(target, app, form());
    $('guard-install-changes').replaceChildren(...changeItems(result.changes));
    $('guard-install-share').textContent = result.share
      ? render('guardInstall.shares', {
        app,
        budget: result.share.budget.amount == null ? t('guardInstall.noBudget')
          : money(result.share.budget.amount, result.share.budget.currency, WHOLE),
        policy: t(MODE_WORDS[result.share.policy.mode]),
      })
      : t('guardInstall.sharedAlready');
    $('guard-install-steps').textContent = render('guardInstall.steps', { app, namespace: target.namespace });
    $('guard-install-policy').textContent = result.iamPolicy;
    $('guard-install-yaml').textContent = result.yaml;
    $('guard-install-result').hidden = false;
    const foreign = result.notManaged.length > 0;
    $('guard-install-apply').disabled = foreign;
    if (foreign) {
      $('guard-install-message').textContent = render('guardInstall.notManaged', { objects: result.notManaged.join(', ') });
    }
  } catch (error) {
    showFieldProblems(error.fields);
    $('guard-install-message').textContent = describe(error);
  }
}

async function install() {
  const button = $('guard-install-apply');
  button.disabled = true;
  try {
    redraw(await api.guardInstall(target, app, form()));
    // What the preview said would be created now is: the guard's line above says the rest.
    $('guard-install-result').hidden = true;
    $('guard-install-message').textContent = render('guardInstall.installed', { app });
    $('guard-uninstall').hidden = false;
  } catch (error) {
    showFieldProblems(error.fields);
    $('guard-install-message').textContent = describe(error);
  }
}

async function uninstall() {
  const question = render('guardInstall.confirmUninstall', { app, namespace: target.namespace });
  if (!(await confirmDialog(question, t('guardInstall.confirmRemove')))) return;
  try {
    const report = await api.guardUninstall(target, app);
    let text = render('guardInstall.uninstalled', { app, count: report.removed.length });
    if (report.leftAlone.length) text += ` ${render('guardInstall.leftAlone', { objects: report.leftAlone.join(', ') })}`;
    $('guard-install-message').textContent = text;
    redraw(await api.guardView(target, app));
  } catch (error) {
    $('guard-install-message').textContent = describe(error);
  }
}
