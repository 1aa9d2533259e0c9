//! WebKitGTK settings Tauri does not expose, chosen for an app that shows one small page for
//! days: no page or memory caches (the UI is embedded, there is nothing to revisit), and no GPU
//! compositing, whose buffers cost more memory than this UI's drawing ever needs. Measured with
//! `make bench-app`.

use tauri::{Runtime, WebviewWindow};

/// WebKitGTK's DMA-BUF renderer (2.42 and later) crashes the web process on machines without a
/// GPU it can use (a virtual display, some virtual machines and drivers): the window then stays
/// blank. Measured: the release build's web process died with SIGSEGV at once under Xvfb with
/// WebKitGTK 2.50, and showed the page with this set. Call before any thread starts; a value the
/// merchant set wins.
pub fn prepare_environment() {
    if cfg!(target_os = "linux") && std::env::var_os("WEBKIT_DISABLE_DMABUF_RENDERER").is_none() {
        std::env::set_var("WEBKIT_DISABLE_DMABUF_RENDERER", "1");
    }
}

/// Applies the settings to the window's web view (a no-op where the web view is not WebKitGTK).
pub fn tune<R: Runtime>(window: &WebviewWindow<R>) {
    #[cfg(target_os = "linux")]
    {
        let tuned = window.with_webview(|webview| {
            use webkit2gtk::{
                CacheModel, HardwareAccelerationPolicy, SettingsExt, WebContextExt, WebViewExt,
            };
            let view = webview.inner();
            if let Some(context) = view.context() {
                context.set_cache_model(CacheModel::DocumentViewer);
            }
            if let Some(settings) = WebViewExt::settings(&view) {
                settings.set_enable_page_cache(false);
                settings.set_hardware_acceleration_policy(HardwareAccelerationPolicy::Never);
            }
        });
        if let Err(error) = tuned {
            tracing::warn!(%error, "could not tune the web view");
        }
    }
    #[cfg(not(target_os = "linux"))]
    let _ = window;
}
