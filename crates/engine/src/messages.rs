//! What the engine says to the merchant, as a key and parameters, so the window, the tray and the
//! notifications can say it in the merchant's language. The English wording lives here, as the
//! default (the CLI, the logs, and `RecordError::reason`); the translations live in the UI's
//! message files (`ui/src/lib/i18n/<language>.json`, under `engine.<key>`), which the desktop
//! app also reads for its notifications. The desktop app's tests check that every key is in
//! every message file with the same parameters, and the English file with this wording.
//!
//! Templates name their parameters in braces (`{sku}`); a parameter is plain text, already
//! formatted (an amount, a list of article numbers).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// One merchant-facing text: which one, and what fills it in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Message {
    pub key: MessageKey,
    #[serde(default)]
    pub params: BTreeMap<String, String>,
}

/// The texts there are. Each has an English template ([`MessageKey::english`]) and a
/// translation per language in the UI's message files.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
pub enum MessageKey {
    /// One article of a till sale is unknown to the bookkeeping.
    UnknownSkuInLine,
    /// Several articles of a till sale are unknown to the bookkeeping.
    UnknownSkusInLine,
    /// An article to book is unknown to the bookkeeping.
    UnknownSku,
    /// A sale without a customer, and no default debtor chosen.
    DefaultDebtorMissing,
    /// A sale booked before whose document is gone from the bookkeeping.
    BookingGone,
    /// The booking found by its reference is gone from the bookkeeping.
    BookingGoneOnCheck,
    /// A notification's title: a record could not be synced.
    NotificationRecordTitle,
    /// A notification's body: what went wrong with the record, and where to act.
    NotificationRecordBody,
    /// A notification's title: a system cannot be reached.
    NotificationConnectionTitle,
    /// A notification's body: what is wrong with the connection, and what waits.
    NotificationConnectionBody,
}

impl MessageKey {
    pub const ALL: [MessageKey; 10] = [
        MessageKey::UnknownSkuInLine,
        MessageKey::UnknownSkusInLine,
        MessageKey::UnknownSku,
        MessageKey::DefaultDebtorMissing,
        MessageKey::BookingGone,
        MessageKey::BookingGoneOnCheck,
        MessageKey::NotificationRecordTitle,
        MessageKey::NotificationRecordBody,
        MessageKey::NotificationConnectionTitle,
        MessageKey::NotificationConnectionBody,
    ];

    /// The key as the message files name it.
    pub fn as_str(self) -> &'static str {
        match self {
            MessageKey::UnknownSkuInLine => "unknown_sku_in_line",
            MessageKey::UnknownSkusInLine => "unknown_skus_in_line",
            MessageKey::UnknownSku => "unknown_sku",
            MessageKey::DefaultDebtorMissing => "default_debtor_missing",
            MessageKey::BookingGone => "booking_gone",
            MessageKey::BookingGoneOnCheck => "booking_gone_on_check",
            MessageKey::NotificationRecordTitle => "notification_record_title",
            MessageKey::NotificationRecordBody => "notification_record_body",
            MessageKey::NotificationConnectionTitle => "notification_connection_title",
            MessageKey::NotificationConnectionBody => "notification_connection_body",
        }
    }

    /// The English wording.
    pub fn english(self) -> &'static str {
        match self {
            MessageKey::UnknownSkuInLine => "Article {sku} does not exist in Visma eAccounting (line {line} of {record}). Create it there (or let PosBridge create missing articles in the orders settings), then retry.",
            MessageKey::UnknownSkusInLine => "Articles {skus} do not exist in Visma eAccounting (line {line} of {record}). Create them there (or let PosBridge create missing articles in the orders settings), then retry.",
            MessageKey::UnknownSku => "Article {sku} does not exist in Visma eAccounting. Create it there, then retry.",
            MessageKey::DefaultDebtorMissing => "Till sales without a customer are booked on the default debtor, and none is chosen. Choose the default debtor in the orders settings, then retry.",
            MessageKey::BookingGone => "{record} was booked before, but eAccounting no longer has a document with reference '{reference}'. If it was deleted on purpose, skip this order; otherwise retry to book it again.",
            MessageKey::BookingGoneOnCheck => "{record}: the booking found under reference '{reference}' is gone from eAccounting. Retry to book it again.",
            MessageKey::NotificationRecordTitle => "PosBridge could not sync {record}",
            MessageKey::NotificationRecordBody => "{reason} Open PosBridge and go to Failed records to retry or skip it.",
            MessageKey::NotificationConnectionTitle => "PosBridge cannot reach {system}",
            MessageKey::NotificationConnectionBody => "{reason} Syncing with {system} waits until then.",
        }
    }

    /// The parameters the template names, in order of appearance.
    pub fn params(self) -> Vec<&'static str> {
        template_params(self.english())
    }
}

impl Message {
    pub fn new(key: MessageKey) -> Self {
        Self {
            key,
            params: BTreeMap::new(),
        }
    }

    /// Fills in the parameter `name`.
    pub fn with(mut self, name: &str, value: impl ToString) -> Self {
        self.params.insert(name.to_string(), value.to_string());
        self
    }

    /// In English.
    pub fn english(&self) -> String {
        fill(self.key.english(), &self.params)
    }
}

/// `template` with each `{name}` replaced by its parameter; a name without one stays as it is.
pub fn fill(template: &str, params: &BTreeMap<String, String>) -> String {
    let mut out = String::with_capacity(template.len());
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        match after.find('}') {
            Some(close) if params.contains_key(&after[..close]) => {
                out.push_str(&params[&after[..close]]);
                rest = &after[close + 1..];
            }
            _ => {
                out.push('{');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// The `{name}`s of `template`, in order of appearance.
pub fn template_params(template: &str) -> Vec<&str> {
    let mut names = Vec::new();
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        let after = &rest[open + 1..];
        let Some(close) = after.find('}') else { break };
        let name = &after[..close];
        if !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            names.push(name);
        }
        rest = &after[close + 1..];
    }
    names
}

/// Ends the text with a full stop, so a sentence can follow (a reason
/// placed inside a notification's text).
pub fn sentence(text: &str) -> String {
    let text = text.trim();
    if text.ends_with(['.', '!', '?']) {
        text.to_string()
    } else {
        format!("{text}.")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_message_reads_in_english_with_its_parameters_filled_in() {
        let message = Message::new(MessageKey::UnknownSku).with("sku", "KB-01-250");
        assert_eq!(
            message.english(),
            "Article KB-01-250 does not exist in Visma eAccounting. Create it there, then retry."
        );
        let missing = Message::new(MessageKey::NotificationRecordTitle);
        assert_eq!(missing.english(), "PosBridge could not sync {record}");
        let braces = BTreeMap::from([("a".to_string(), "{b}".to_string())]);
        assert_eq!(
            fill("{a} {b} {", &braces),
            "{b} {b} {",
            "a value is not filled in again"
        );
    }

    #[test]
    fn every_key_has_its_own_name_and_says_which_parameters_it_takes() {
        let names: std::collections::BTreeSet<_> =
            MessageKey::ALL.iter().map(|k| k.as_str()).collect();
        assert_eq!(names.len(), MessageKey::ALL.len());
        for key in MessageKey::ALL {
            let json = serde_json::to_value(key).unwrap();
            assert_eq!(json, key.as_str(), "serde and the message files agree");
        }
        assert_eq!(
            MessageKey::UnknownSkuInLine.params(),
            vec!["sku", "line", "record"]
        );
        assert!(MessageKey::DefaultDebtorMissing.params().is_empty());
    }
}
