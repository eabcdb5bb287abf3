// The only module that talks to the Rust side. Every call resolves with data or rejects with
// an error shaped { code, message, hint }, whatever went wrong.

const { invoke } = window.__TAURI__.core;

async function call(command, args) {
  try {
    return await invoke(command, args);
  } catch (error) {
    throw asAppError(error);
  }
}

function asAppError(error) {
  if (error && typeof error === 'object' && 'code' in error && 'message' in error) {
    return { hint: '', ...error };
  }
  return {
    code: 'unexpected',
    message: String(error),
    hint: 'Try again. If it keeps happening, restart Purser and look at its log file.',
  };
}

export const api = {
  /** Language, settings, status bar and notices. */
  appStatus: () => call('app_status'),
  /** Changes settings, e.g. { language: 'es' }; resolves with the new status. */
  updateSettings: (patch) => call('update_settings', { patch }),
  /** Forgets a notice the user has read; resolves with the new status. */
  dismissNotice: (code) => call('dismiss_notice', { code }),
};
