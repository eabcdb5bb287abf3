//! Calls Purser's commands through Tauri's mock runtime, as the webview would.
// Each suite includes this file on its own and uses some of it.
#![allow(dead_code)]

use std::path::Path;
use std::sync::Arc;

use serde_json::Value;
use tauri::ipc::{CallbackFn, InvokeBody};
use tauri::test::{get_ipc_response, mock_builder, MockRuntime, INVOKE_KEY};
use tauri::webview::InvokeRequest;

use purser_core::secrets::SecretStore;
use purser_core::testing;
use purser_core::Backends;
use purser_lib::{build_app, init_with, AppDirs};

/// Backends that keep a test on this computer, with secrets in `secrets`.
pub fn backends(secrets: Arc<dyn SecretStore>) -> Backends {
    Backends {
        secrets,
        ..testing::backends()
    }
}

/// The real app (real context, capabilities and commands) on the mock runtime, with its folders
/// under `root` and the given backends.
pub struct MockApp {
    _app: tauri::App<MockRuntime>,
    window: tauri::WebviewWindow<MockRuntime>,
}

impl MockApp {
    pub fn launch(root: &Path, backends: Backends) -> MockApp {
        let dirs = AppDirs::under(root);
        let app = build_app(mock_builder())
            .build(tauri::generate_context!())
            .expect("the app builds on the mock runtime");
        init_with(app.handle(), Some(dirs), backends).expect("start-up with test folders");
        // The window as tauri.conf.json declares it (label "main", which the capability names).
        let config = app.config().app.windows[0].clone();
        let window = tauri::WebviewWindowBuilder::from_config(app.handle(), &config)
            .and_then(|builder| builder.build())
            .expect("the main window opens on the mock runtime");
        MockApp { _app: app, window }
    }

    /// Managed state, as a command would get it.
    pub fn state<T: Send + Sync + 'static>(&self) -> tauri::State<'_, T> {
        use tauri::Manager;
        self._app.state::<T>()
    }

    /// Adds managed state, as the real app's `run` does for what the mock app lacks.
    pub fn manage<T: Send + Sync + 'static>(&self, value: T) {
        use tauri::Manager;
        self._app.manage(value);
    }

    /// Invokes `command` with `args`; `Err` holds the error the page would get.
    pub fn invoke(&self, command: &str, args: Value) -> Result<Value, Value> {
        let request = InvokeRequest {
            cmd: command.into(),
            callback: CallbackFn(0),
            error: CallbackFn(1),
            url: "tauri://localhost".parse().unwrap(),
            body: InvokeBody::Json(args),
            headers: Default::default(),
            invoke_key: INVOKE_KEY.to_string(),
        };
        get_ipc_response(&self.window, request).map(|body| body.deserialize::<Value>().unwrap())
    }
}
