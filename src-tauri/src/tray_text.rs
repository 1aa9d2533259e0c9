//! The tray's words, in the merchant's language. They come from the window's own translation
//! files, so the tray and the window never name the same action differently.

use std::sync::LazyLock;

use engine::alerts::HealthState;
use engine::settings::Language;
use serde::Deserialize;

#[derive(Debug, Deserialize)]
struct Catalog {
    app: TrayText,
}

/// The texts the tray shows, picked out of `ui/src/lib/i18n/<language>.json`.
#[derive(Debug, Deserialize)]
pub struct TrayText {
    pub sync_now: String,
    pub pause: String,
    pub resume: String,
    pub tray_menu: MenuText,
    health: HealthText,
}

#[derive(Debug, Deserialize)]
pub struct MenuText {
    pub open: String,
    pub quit: String,
    /// "Install PosBridge {version}".
    install_update: String,
}

#[derive(Debug, Deserialize)]
struct HealthText {
    ok: String,
    syncing: String,
    needs_attention: String,
}

impl TrayText {
    pub fn pause_label(&self, paused: bool) -> &str {
        if paused {
            &self.resume
        } else {
            &self.pause
        }
    }

    /// The menu item that installs a waiting update.
    pub fn install_update(&self, version: &str) -> String {
        self.tray_menu.install_update.replace("{version}", version)
    }

    pub fn tooltip(&self, state: HealthState) -> String {
        let health = match state {
            HealthState::Ok => &self.health.ok,
            HealthState::Syncing => &self.health.syncing,
            HealthState::NeedsAttention => &self.health.needs_attention,
        };
        format!("PosBridge: {health}")
    }
}

fn parse(json: &str) -> TrayText {
    serde_json::from_str::<Catalog>(json)
        .expect("the UI's translation file has the tray's texts (checked by the tests below)")
        .app
}

static EN: LazyLock<TrayText> =
    LazyLock::new(|| parse(include_str!("../../ui/src/lib/i18n/en.json")));
static NL: LazyLock<TrayText> =
    LazyLock::new(|| parse(include_str!("../../ui/src/lib/i18n/nl.json")));

pub fn tray_text(language: Language) -> &'static TrayText {
    match language {
        Language::En => &EN,
        Language::Nl => &NL,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_tray_speaks_english_like_the_window() {
        let text = tray_text(Language::En);
        assert_eq!(text.tray_menu.open, "Open PosBridge");
        assert_eq!(text.sync_now, "Sync now");
        assert_eq!(text.pause_label(false), "Pause syncing");
        assert_eq!(text.pause_label(true), "Resume syncing");
        assert_eq!(text.tray_menu.quit, "Quit");
        assert_eq!(
            text.install_update("0.2.0"),
            "Install PosBridge 0.2.0 and restart"
        );
        assert_eq!(
            text.tooltip(HealthState::NeedsAttention),
            "PosBridge: Needs your attention"
        );
    }

    #[test]
    fn a_dutch_merchant_gets_a_dutch_tray() {
        let text = tray_text(Language::Nl);
        assert_eq!(text.tray_menu.open, "PosBridge openen");
        assert_eq!(text.sync_now, "Nu synchroniseren");
        assert_eq!(text.pause_label(false), "Synchroniseren pauzeren");
        assert_eq!(text.pause_label(true), "Synchroniseren hervatten");
        assert_eq!(text.tray_menu.quit, "Afsluiten");
        assert_eq!(
            text.install_update("0.2.0"),
            "PosBridge 0.2.0 installeren en herstarten"
        );
        assert_eq!(
            text.tooltip(HealthState::Syncing),
            "PosBridge: Bezig met synchroniseren…"
        );
    }
}
