// Interface text in English and Spanish. Elements carry `data-i18n="key"` (text) or
// `data-i18n-aria="key"` (aria-label); `translate()` fills them for the current language.

const STRINGS = {
  en: {
    'a11y.skip': 'Skip to content',
    'nav.label': 'Sections',
    'nav.credentials': 'Credentials',
    'nav.deployment': 'Deployment',
    'nav.cost': 'Cost & budget',
    'nav.settings': 'Settings',
    'credentials.title': 'Credentials',
    'credentials.lead': "Start here. Purser keeps your OpenAI API key and your AWS access in this computer's keychain, never in a file. Once stored, a key is never shown again: you see only how it ends.",
    'credentials.baseUrl': 'API address',
    'credentials.saveAddress': 'Save address',
    'credentials.check': 'Check',
    'credentials.awsSource': 'Where your AWS access comes from',
    'credentials.awsKeys': 'Access keys stored in Purser',
    'credentials.awsProfile': 'A profile from my AWS configuration (~/.aws/config, SSO included)',
    'credentials.profile': 'Profile',
    'credentials.chooseProfile': 'Choose a profile…',
    'credentials.noProfiles': 'No profiles found in ~/.aws/config or ~/.aws/credentials.',
    'credentials.region': 'Region (optional)',
    'credentials.saveRegion': 'Save region',
    'secret.openai_api_key': 'API key',
    'secret.openai_admin_key': 'Admin key',
    'secret.aws_access_key_id': 'Access key ID',
    'secret.aws_secret_access_key': 'Secret access key',
    'secret.aws_session_token': 'Session token',
    'secret.optional': '(optional)',
    'secret.stored': 'stored',
    'secret.endsIn': 'ends in',
    'secret.store': 'Store',
    'secret.replace': 'Replace',
    'secret.delete': 'Delete',
    'secret.paste': 'Paste it here',
    'secret.pasteNew': 'Paste a new value to replace it',
    'secret.saved': 'Stored in the keychain.',
    'secret.deleted': 'Deleted from the keychain.',
    'secret.confirmDelete': 'Delete the {name} from this computer\'s keychain? Purser will not be able to use it until you store it again.',
    'check.never': 'Not checked yet.',
    'check.ok': 'works',
    'check.failed': 'problem',
    'check.checked': 'checked',
    'check.running': 'Checking…',
    'confirm.title': 'Are you sure?',
    'confirm.cancel': 'Cancel',
    'deployment.title': 'Deployment',
    'deployment.emptyLead': 'No Kubernetes context chosen.',
    'deployment.emptyBody': 'Here you will pick a cluster from your kubeconfig, preview what will change, deploy your app and scale it with a slider. Store your credentials first.',
    'deployment.notYet': 'Deploying is not available in this version of Purser yet.',
    'cost.title': 'Cost & budget',
    'cost.emptyLead': 'No cost data yet.',
    'cost.emptyBody': "Here you will see this month's AWS cost against your budget, with a forecast for the month end. Connect AWS in Credentials first.",
    'cost.notYet': 'Cost reports are not available in this version of Purser yet.',
    'settings.title': 'Settings',
    'settings.language': 'Language',
    'settings.languageSystem': 'Same as the system',
    'settings.theme': 'Appearance',
    'settings.themeSystem': 'Same as the system',
    'settings.themeLight': 'Light',
    'settings.themeDark': 'Dark',
    'settings.version': 'Version',
    'settings.saved': 'Saved.',
    'status.label': 'Status',
    'status.context': 'Kubernetes context',
    'status.aws': 'AWS identity',
    'status.cost': 'Last cost refresh',
    'status.notSet': 'not set',
    'notice.dismiss': 'Dismiss',
    'notice.settings_corrupt': 'Your settings could not be read',
    'notice.settings_unreadable': 'Your settings could not be read',
    'error.title': 'Something went wrong',
    'error.unexpected': 'Purser could not complete that.',
  },
  es: {
    'a11y.skip': 'Saltar al contenido',
    'nav.label': 'Secciones',
    'nav.credentials': 'Credenciales',
    'nav.deployment': 'Despliegue',
    'nav.cost': 'Coste y presupuesto',
    'nav.settings': 'Ajustes',
    'credentials.title': 'Credenciales',
    'credentials.lead': 'Empiece aquí. Purser guarda su clave de la API de OpenAI y su acceso a AWS en el llavero de este equipo, nunca en un archivo. Una vez guardada, una clave no se vuelve a mostrar: solo verá cómo termina.',
    'credentials.baseUrl': 'Dirección de la API',
    'credentials.saveAddress': 'Guardar dirección',
    'credentials.check': 'Comprobar',
    'credentials.awsSource': 'De dónde viene su acceso a AWS',
    'credentials.awsKeys': 'Claves de acceso guardadas en Purser',
    'credentials.awsProfile': 'Un perfil de mi configuración de AWS (~/.aws/config, SSO incluido)',
    'credentials.profile': 'Perfil',
    'credentials.chooseProfile': 'Elija un perfil…',
    'credentials.noProfiles': 'No se encontraron perfiles en ~/.aws/config ni en ~/.aws/credentials.',
    'credentials.region': 'Región (opcional)',
    'credentials.saveRegion': 'Guardar región',
    'secret.openai_api_key': 'Clave de API',
    'secret.openai_admin_key': 'Clave de administración',
    'secret.aws_access_key_id': 'ID de clave de acceso',
    'secret.aws_secret_access_key': 'Clave de acceso secreta',
    'secret.aws_session_token': 'Token de sesión',
    'secret.optional': '(opcional)',
    'secret.stored': 'guardada',
    'secret.endsIn': 'termina en',
    'secret.store': 'Guardar',
    'secret.replace': 'Reemplazar',
    'secret.delete': 'Eliminar',
    'secret.paste': 'Péguela aquí',
    'secret.pasteNew': 'Pegue un valor nuevo para reemplazarla',
    'secret.saved': 'Guardada en el llavero.',
    'secret.deleted': 'Eliminada del llavero.',
    'secret.confirmDelete': '¿Eliminar «{name}» del llavero de este equipo? Purser no podrá usarla hasta que la vuelva a guardar.',
    'check.never': 'Todavía no se ha comprobado.',
    'check.ok': 'funciona',
    'check.failed': 'problema',
    'check.checked': 'comprobado',
    'check.running': 'Comprobando…',
    'confirm.title': '¿Está seguro?',
    'confirm.cancel': 'Cancelar',
    'deployment.title': 'Despliegue',
    'deployment.emptyLead': 'No se ha elegido ningún contexto de Kubernetes.',
    'deployment.emptyBody': 'Aquí elegirá un clúster de su kubeconfig, verá qué va a cambiar, desplegará su aplicación y la escalará con un control deslizante. Guarde primero sus credenciales.',
    'deployment.notYet': 'Desplegar todavía no está disponible en esta versión de Purser.',
    'cost.title': 'Coste y presupuesto',
    'cost.emptyLead': 'Todavía no hay datos de coste.',
    'cost.emptyBody': 'Aquí verá el coste de AWS de este mes frente a su presupuesto, con una previsión para fin de mes. Conecte primero AWS en Credenciales.',
    'cost.notYet': 'Los informes de coste todavía no están disponibles en esta versión de Purser.',
    'settings.title': 'Ajustes',
    'settings.language': 'Idioma',
    'settings.languageSystem': 'El del sistema',
    'settings.theme': 'Apariencia',
    'settings.themeSystem': 'La del sistema',
    'settings.themeLight': 'Clara',
    'settings.themeDark': 'Oscura',
    'settings.version': 'Versión',
    'settings.saved': 'Guardado.',
    'status.label': 'Estado',
    'status.context': 'Contexto de Kubernetes',
    'status.aws': 'Identidad de AWS',
    'status.cost': 'Último refresco de costes',
    'status.notSet': 'sin configurar',
    'notice.dismiss': 'Cerrar',
    'notice.settings_corrupt': 'No se pudieron leer sus ajustes',
    'notice.settings_unreadable': 'No se pudieron leer sus ajustes',
    'error.title': 'Algo salió mal',
    'error.unexpected': 'Purser no pudo completar la acción.',
  },
};

let current = 'en';

/** The language in use: 'en' or 'es'. */
export function language() {
  return current;
}

/** Text for `key` in the current language (English, then the key itself, as fallbacks). */
export function t(key) {
  return STRINGS[current][key] ?? STRINGS.en[key] ?? key;
}

/** True when a translation exists for `key`. */
export function has(key) {
  return key in STRINGS.en;
}

/** Switches language and re-translates everything under `root`. */
export function setLanguage(lang, root = document) {
  current = lang in STRINGS ? lang : 'en';
  document.documentElement.lang = current;
  translate(root);
}

/** Fills every `data-i18n` / `data-i18n-aria` element under `root`. */
export function translate(root = document) {
  for (const el of root.querySelectorAll('[data-i18n]')) {
    el.textContent = t(el.dataset.i18n);
  }
  for (const el of root.querySelectorAll('[data-i18n-aria]')) {
    el.setAttribute('aria-label', t(el.dataset.i18nAria));
  }
}
