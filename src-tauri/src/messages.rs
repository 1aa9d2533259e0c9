//! The engine's merchant-facing texts in the merchant's language, for what the shell says itself
//! (notifications). The translations are the window's own (`engine.<key>` in
//! `ui/src/lib/i18n/<language>.json`, read at build time), so the window, the tray and the
//! notifications say the same thing the same way; the engine's English is the fallback.

use std::collections::BTreeMap;
use std::sync::LazyLock;

use engine::alerts::{Notification, Problem};
use engine::messages::sentence;
use engine::messages::{fill, Message, MessageKey};
use engine::settings::Language;

type Catalog = BTreeMap<String, String>;

fn parse(json: &str) -> Catalog {
    #[derive(serde::Deserialize)]
    struct File {
        engine: Catalog,
    }
    serde_json::from_str::<File>(json)
        .expect("the UI's translation file has the engine's texts (checked by the tests below)")
        .engine
}

static EN: LazyLock<Catalog> =
    LazyLock::new(|| parse(include_str!("../../ui/src/lib/i18n/en.json")));
static NL: LazyLock<Catalog> =
    LazyLock::new(|| parse(include_str!("../../ui/src/lib/i18n/nl.json")));

fn catalog(language: Language) -> &'static Catalog {
    match language {
        Language::En => &EN,
        Language::Nl => &NL,
    }
}

/// `message` in `language` (in English where the file has no text for it).
pub fn say(message: &Message, language: Language) -> String {
    match catalog(language).get(message.key.as_str()) {
        Some(template) => fill(template, &message.params),
        None => message.english(),
    }
}

/// The notification for `problem`, in `language`.
pub fn notification(problem: &Problem, language: Language) -> Notification {
    let (title, body) = match problem {
        Problem::RecordGaveUp {
            record,
            reason,
            message,
            ..
        } => {
            let reason = message
                .as_ref()
                .map_or_else(|| reason.clone(), |m| say(m, language));
            (
                Message::new(MessageKey::NotificationRecordTitle).with("record", record),
                Message::new(MessageKey::NotificationRecordBody).with("reason", sentence(&reason)),
            )
        }
        Problem::Connection {
            system, message, ..
        } => (
            Message::new(MessageKey::NotificationConnectionTitle).with("system", system),
            Message::new(MessageKey::NotificationConnectionBody)
                .with("system", system)
                .with("reason", sentence(message)),
        ),
    };
    Notification {
        kind: problem.kind(),
        title: say(&title, language),
        body: say(&body, language),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use engine::messages::template_params;
    use engine::FlowKind;

    #[test]
    fn every_engine_text_is_in_every_language_with_the_same_parameters() {
        for key in MessageKey::ALL {
            assert_eq!(
                EN.get(key.as_str()).map(String::as_str),
                Some(key.english()),
                "en.json has the engine's English for {key:?}"
            );
            let mut wanted = key.params();
            wanted.sort();
            let Some(dutch) = NL.get(key.as_str()) else {
                panic!("nl.json has no engine.{}", key.as_str());
            };
            let mut found = template_params(dutch);
            found.sort();
            assert_eq!(found, wanted, "nl.json's engine.{} fills in", key.as_str());
        }
        assert_eq!(
            EN.len(),
            MessageKey::ALL.len(),
            "no texts the engine does not have"
        );
        assert_eq!(
            NL.len(),
            MessageKey::ALL.len(),
            "no texts the engine does not have"
        );
    }

    #[test]
    fn a_failed_record_is_notified_in_dutch_with_its_reason_in_dutch() {
        let problem = Problem::RecordGaveUp {
            flow: FlowKind::Orders,
            record: "POS order 17".into(),
            code: "unknown_sku".into(),
            reason: "Article KB-01-250 does not exist in Visma eAccounting. Create it there, then retry.".into(),
            message: Some(Message::new(MessageKey::UnknownSku).with("sku", "KB-01-250")),
        };
        let dutch = notification(&problem, Language::Nl);
        assert_eq!(
            dutch.title,
            "PosBridge kon POS order 17 niet synchroniseren"
        );
        assert_eq!(
            dutch.body,
            "Artikel KB-01-250 bestaat niet in Visma eAccounting. Maak het daar aan en probeer het opnieuw. Open PosBridge en ga naar Mislukte records om het opnieuw te proberen of over te slaan."
        );
        let english = notification(&problem, Language::En);
        assert_eq!(
            english,
            problem.notification(Language::En),
            "the engine's English"
        );
    }
}
