// Runs first, before the modules load: asks for the app status (language, settings) at once,
// so the answer is ready when main.js draws the first screen instead of being asked for only
// after the whole module graph has loaded. main.js takes it through api.firstStatus().
// A classic script cannot import the API module; Tauri's own IPC entry point, which that
// module calls too, is there from the first script on.
window.purserFirstStatus = window.__TAURI_INTERNALS__.invoke('app_status');
// An early failure is handled where the status is used; never an unhandled rejection here.
window.purserFirstStatus.catch(() => {});
