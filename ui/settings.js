// The Settings section: language and appearance, saved as soon as they change.

import { api } from './api.js';
import { t } from './i18n.js';
import { describe } from './messages.js';
import { drawUpdates } from './updates.js';

const form = () => document.getElementById('settings-form');
const message = () => document.getElementById('settings-message');

/** Fills the form from stored settings. */
export function showSettings(settings) {
  form().elements.language.value = settings.language;
  form().elements.theme.value = settings.theme;
  form().elements.checkUpdates.checked = settings.checkUpdates;
}

/** Saves each change; `render` redraws the shell with the status the backend returns. */
export function initSettings(render) {
  form().addEventListener('submit', (event) => event.preventDefault());
  form().addEventListener('change', async (event) => {
    const { name, type, checked } = event.target;
    const value = type === 'checkbox' ? checked : event.target.value;
    message().className = 'field-message';
    try {
      render(await api.updateSettings({ [name]: value }));
      message().textContent = t('settings.saved');
      if (name === 'checkUpdates') drawUpdates(await api.updateStatus());
    } catch (error) {
      message().className = 'field-message error';
      message().textContent = describe(error);
      // The backend changed nothing: put the form back as it is stored.
      try {
        render(await api.appStatus());
      } catch {
        // The message above already tells the user what failed.
      }
    }
  });
}
