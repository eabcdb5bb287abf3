// The only module that talks to the Rust side. Every call resolves with data or rejects with
// an error shaped { code, params, hintCode, message }, whatever went wrong.

import { invoke, Channel } from './vendor/tauri/core.js';
import { listen } from './vendor/tauri/event.js';

/**
 * What each command changes, declared once: after it is answered (refused too, since refusals
 * are audited), what shows that is drawn again by whoever registered with `onChanged`.
 * 'activity': the audit log behind Activity; 'status': the status bar and notices.
 */
const CHANGES = {
  kube_connect: ['status'],
  kube_disconnect: ['status'],
  kube_choose_namespace: ['status'],
  deploy_app: ['activity', 'status'],
  scale_app: ['activity'],
  set_autoscaler: ['activity'],
  restart_app: ['activity'],
  rollback_app: ['activity'],
  uninstall_app: ['activity', 'status'],
  set_guard_policy: ['activity', 'status'],
  guard_approve: ['activity', 'status'],
  guard_dismiss: ['activity', 'status'],
  guard_revert: ['activity', 'status'],
  guard_check: ['activity', 'status'],
  set_guard_openai_lever: ['activity', 'status'],
  guard_approve_openai: ['activity', 'status'],
  guard_dismiss_openai: ['activity', 'status'],
  guard_stand_in: ['activity'],
  guard_install: ['activity'],
  guard_uninstall: ['activity'],
  guard_test_now: ['activity', 'status'],
  set_shared_budget: ['activity'],
  set_openai_cap: ['activity', 'status'],
  revert_openai_cap: ['activity', 'status'],
  set_guard_prices: ['prices'],
};

const listeners = new Map();

/** Calls `handler` after any command that changes `topic` (see `CHANGES`). */
export function onChanged(topic, handler) {
  if (!listeners.has(topic)) listeners.set(topic, []);
  listeners.get(topic).push(handler);
}

function changed(command) {
  for (const topic of CHANGES[command] ?? []) {
    for (const handler of listeners.get(topic) ?? []) {
      try {
        handler();
      } catch {
        // One screen failing to redraw never breaks another's.
      }
    }
  }
}

async function call(command, args) {
  try {
    return await invoke(command, args);
  } catch (error) {
    throw asAppError(error);
  } finally {
    changed(command);
  }
}

/** Whatever went wrong, as the core's error shape (a string from Tauri itself, e.g. arguments
 *  the command could not read, becomes `ui_unexpected` with the text as its detail). */
function asAppError(error) {
  if (error && typeof error === 'object' && 'code' in error) {
    return { params: {}, hintCode: '', message: '', ...error };
  }
  const detail = String(error);
  return { code: 'ui_unexpected', params: { detail }, hintCode: 'ui_unexpected', message: detail };
}

export const api = {
  /** Language, settings, status bar and notices. */
  appStatus: () => call('app_status'),
  /** The status boot.js asked for as the page started (asked now if it did not). */
  firstStatus: async () => {
    const early = window.purserFirstStatus;
    delete window.purserFirstStatus;
    if (!early) return call('app_status');
    try {
      return await early;
    } catch (error) {
      throw asAppError(error);
    }
  },
  /** Changes settings, e.g. { language: 'es' }; resolves with the new status. */
  updateSettings: (patch) => call('update_settings', { patch }),
  /** Forgets a notice the user has read; resolves with the new status. */
  dismissNotice: (code) => call('dismiss_notice', { code }),
  /** Which secrets are stored (masked) and the last check results. */
  credentialsOverview: () => call('credentials_overview'),
  /** Stores or replaces a secret; resolves with the new overview. */
  storeSecret: (kind, value) => call('store_secret', { kind, value }),
  /** Deletes a secret; resolves with the new overview. */
  deleteSecret: (kind) => call('delete_secret', { kind }),
  /** Checks the stored OpenAI key; resolves with the check record. */
  checkOpenai: () => call('check_openai'),
  /** Checks that the admin key reads the organisation's costs. */
  checkOpenaiAdmin: () => call('check_openai_admin'),
  /** Checks AWS access with STS; resolves with the check record. */
  checkAws: () => call('check_aws'),
  /** AWS profile names from the user's AWS config. */
  listAwsProfiles: () => call('list_aws_profiles'),
  /** Cost view (chart drawn `width` px wide); `refresh` asks Cost Explorer even if cached. */
  costView: (refresh, theme, width) => call('cost_view', { refresh, theme, width }),
  /** The OpenAI projects the admin key can see: [{ id, name, archived }]. */
  openaiProjects: () => call('openai_projects'),
  /** OpenAI's hard spend limits (the project's, the organisation's) beside this month's spend. */
  openaiLimits: () => call('openai_limits'),
  /** Caps the project's OpenAI spend at `amount` (text as typed) a month. */
  setOpenaiCap: (amount) => call('set_openai_cap', { amount }),
  /** Puts back the project's limit as it was before Purser; `anyway` after being asked. */
  revertOpenaiCap: (anyway) => call('revert_openai_cap', { anyway }),
  /** Exports via a save dialog; resolves with the path, or null if cancelled. */
  exportCost: (format, theme) => call('export_cost', { format, theme }),
  /** Contexts from the kubeconfig, plus the built-in sandbox. */
  kubeContexts: () => call('kube_contexts'),
  /** Connects to a context: server version and namespaces (null when not listable). */
  kubeConnect: (context) => call('kube_connect', { context }),
  /** Forgets the connection: nothing can act on a cluster until the next connect. */
  kubeDisconnect: () => call('kube_disconnect'),
  /** Remembers the namespace for the current context. */
  kubeChooseNamespace: (namespace) => call('kube_choose_namespace', { namespace }),
  /** Which permissions Purser needs the user has in { context, namespace }. */
  kubePermissions: (target) => call('kube_permissions', { target }),
  /** Purser's apps in the namespace. */
  kubeApps: (target) => call('kube_apps', { target }),
  /** Server-side dry run of the form: changes, conflicts, YAML (key masked). */
  /** `insecureOk`: the user said yes to sending the key over an insecure connection. */
  deployPreview: (target, spec, insecureOk = false) => call('deploy_preview', { target, spec, insecureOk }),
  /** Deploys the form; resolves with the first rollout status. */
  deployApp: (target, spec, takeOver, insecureOk = false) =>
    call('deploy_app', { target, spec, takeOver, insecureOk }),
  /** Streams rollout statuses of `app` to `onStatus` until another watch starts. */
  watchRollout: (target, app, onStatus) => {
    const channel = new Channel();
    channel.onmessage = onStatus;
    return call('watch_rollout', { target, app, onStatus: channel });
  },
  scaleApp: (target, app, replicas) => call('scale_app', { target, app, replicas }),
  setAutoscaler: (target, app, min, max) => call('set_autoscaler', { target, app, min, max }),
  restartApp: (target, app) => call('restart_app', { target, app }),
  rollbackApp: (target, app) => call('rollback_app', { target, app }),
  uninstallApp: (target, app, removeAdopted) => call('uninstall_app', { target, app, removeAdopted }),
  /** Newest audit entries first. */
  auditEntries: (limit) => call('audit_entries', { limit }),
  /** The budget guard for one app: policy, cost of a copy, proposal, what can be reverted. */
  guardView: (target, app) => call('guard_view', { target, app }),
  /** Sets an app's guard policy: { mode: 'off' | 'notify' } or { mode, floor }; a floor of 0
   *  needs `confirmZero` once (after the user was asked in words). */
  setGuardPolicy: (target, app, policy, confirmZero = false) =>
    call('set_guard_policy', { target, app, policy, confirmZero }),
  guardApprove: (target, app) => call('guard_approve', { target, app }),
  guardDismiss: (target, app) => call('guard_dismiss', { target, app }),
  /** Puts back what the guard changed; `anyway` after the user was asked; then the guard
   *  holds off as `hold` says ('monthEnd', 'day', 'week', 'none'). */
  guardRevert: (target, app, anyway, hold) => call('guard_revert', { target, app, anyway, hold }),
  guardPause: (paused) => call('guard_pause', { paused }),
  /** What the guard may do with OpenAI's part of the bill: 'off' | 'notify' | 'propose' | 'automatic'. */
  setGuardOpenaiLever: (target, app, lever) => call('set_guard_openai_lever', { target, app, lever }),
  guardApproveOpenai: (target, app) => call('guard_approve_openai', { target, app }),
  guardDismissOpenai: (target, app) => call('guard_dismiss_openai', { target, app }),
  /** Guards the app from this computer while its guard in the cluster is not working (`on`),
   *  or leaves it to that guard again. */
  guardStandIn: (target, app, on) => call('guard_stand_in', { target, app, on }),
  /** The guard in the cluster: `form` is { image, schedule, awsRoleArn }. The preview is a
   *  server dry run (changes, YAML, the AWS policy, the budget it would share). */
  guardInstallPreview: (target, app, form) => call('guard_install_preview', { target, app, form }),
  guardInstall: (target, app, form) => call('guard_install', { target, app, form }),
  guardUninstall: (target, app) => call('guard_uninstall', { target, app }),
  /** One check of the guard in the cluster now: { job, simulated } (the sandbox runs it here). */
  guardTestNow: (target, app) => call('guard_test_now', { target, app }),
  /** The budget every stakeholder's Purser shows for the app, as typed ("1.500,50" in Spanish). */
  setSharedBudget: (target, app, amount) => call('set_shared_budget', { target, app, amount }),
  /** Runs the guard now; resolves with what the user must be told. */
  guardCheck: () => call('guard_check'),
  /** What `replicas` copies of the app would cost. */
  scaleCost: (target, app, replicas) => call('scale_cost', { target, app, replicas }),
  /** What the deploy form would cost. */
  formCost: (target, spec) => call('form_cost', { target, spec }),
  /** The overview: this month, every known app's card, failing keys, the first-run guide. */
  overview: () => call('overview'),
  /** The guide: { action: 'skip', step: 'keys' | 'cluster' | 'budget' } | { action: 'close' } | { action: 'resume' }. */
  guideAct: (action) => call('guide_act', { action }),
  /** Updates: { available, enabled, lastChecked, last: { kind, version?, notes?, … } }. */
  updateStatus: () => call('update_status'),
  /** Looks for a new version now; resolves with the status (a failure is in it, never thrown). */
  updateCheck: () => call('update_check'),
  /** Installs the version on offer (signature checked first); Purser then restarts. */
  updateInstall: () => call('update_install'),
  /** The deploy form's sizes (small, medium, large), each priced per copy per month. */
  sizePresets: () => call('size_presets'),
  /** Sets the prices a copy is estimated at (USD per vCPU-hour and per GB-hour). */
  setGuardPrices: (target, app, vcpuHour, gbHour) => call('set_guard_prices', { target, app, vcpuHour, gbHour }),
  /** Sets the tag on the app's AWS resources a copy's cost is measured by ('' for none). */
  setGuardCostTag: (target, app, tag) => call('set_guard_cost_tag', { target, app, tag }),
  /** Purser's version and licence, and the crates built into it with theirs. */
  about: () => call('about_purser'),
  /** Calls `handler` with what the user chose in the menu bar ('credentials', …, 'about'). */
  onMenu: (handler) => listen('menu', (event) => handler(event.payload)),
  /** Calls `handler` with the guard's notices as the schedule finds them. */
  onGuardNotices: (handler) => listen('guard-notices', (event) => handler(event.payload)),
  /** Calls `handler` with the update status when the daily look found something to say. */
  onUpdateStatus: (handler) => listen('update-status', (event) => handler(event.payload)),
  /** Calls `handler` when the guard was paused or resumed from the tray (payload: paused). */
  onGuardPaused: (handler) => listen('guard-paused', (event) => handler(event.payload)),
};
