//! A `tracing` layer that writes events with target `"activity"` to the activity log:
//!
//! ```
//! tracing::info!(target: "activity", flow = "orders", record = "POS order 7", "Sync requested");
//! ```
//!
//! Fields `flow`, `record` and `details` (a JSON string) fill those columns; any other field
//! lands in `details`. Events are handed to a writer thread, so a caller that happens to hold
//! the store's lock while logging cannot deadlock, and logging never waits for the disk.

use std::sync::mpsc;
use std::sync::Arc;

use serde_json::{Map, Value};
use tracing::field::{Field, Visit};
use tracing::{Event, Subscriber};
use tracing_subscriber::layer::Context;
use tracing_subscriber::Layer;

use super::{ActivityLog, Level, NewEvent};

/// The `tracing` target that marks an event for the activity log.
pub const ACTIVITY_TARGET: &str = "activity";

enum Message {
    Event(NewEvent),
    Flush(mpsc::Sender<()>),
}

pub struct ActivityLayer {
    sender: mpsc::Sender<Message>,
}

impl ActivityLayer {
    pub(super) fn new(log: Arc<ActivityLog>) -> Self {
        let (sender, receiver) = mpsc::channel::<Message>();
        std::thread::Builder::new()
            .name("activity-log".into())
            .spawn(move || {
                for message in receiver {
                    match message {
                        Message::Event(event) => log.note(event),
                        Message::Flush(done) => {
                            let _ = done.send(());
                        }
                    }
                }
            })
            .expect("the activity log writer thread starts");
        Self { sender }
    }

    /// Waits until every event handed to this layer so far is in the store.
    pub fn flush(&self) {
        let (done, wait) = mpsc::channel();
        if self.sender.send(Message::Flush(done)).is_ok() {
            let _ = wait.recv();
        }
    }
}

#[derive(Default)]
struct Fields {
    message: Option<String>,
    flow: Option<String>,
    record: Option<String>,
    details: Option<Value>,
    others: Map<String, Value>,
}

impl Fields {
    fn put(&mut self, field: &Field, value: Value) {
        let text = || match &value {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        match field.name() {
            "message" => self.message = Some(text()),
            "flow" => self.flow = Some(text()),
            "record" => self.record = Some(text()),
            "details" => {
                let text = text();
                self.details = Some(serde_json::from_str(&text).unwrap_or(Value::String(text)));
            }
            name => {
                self.others.insert(name.to_string(), value);
            }
        }
    }
}

impl Visit for Fields {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        self.put(field, Value::String(format!("{value:?}")));
    }

    fn record_str(&mut self, field: &Field, value: &str) {
        self.put(field, Value::String(value.to_string()));
    }

    fn record_i64(&mut self, field: &Field, value: i64) {
        self.put(field, Value::from(value));
    }

    fn record_u64(&mut self, field: &Field, value: u64) {
        self.put(field, Value::from(value));
    }

    fn record_bool(&mut self, field: &Field, value: bool) {
        self.put(field, Value::from(value));
    }
}

fn level_of(level: &tracing::Level) -> Level {
    match *level {
        tracing::Level::ERROR => Level::Error,
        tracing::Level::WARN => Level::Warn,
        tracing::Level::INFO => Level::Info,
        _ => Level::Debug,
    }
}

impl<S: Subscriber> Layer<S> for ActivityLayer {
    fn on_event(&self, event: &Event<'_>, _ctx: Context<'_, S>) {
        let metadata = event.metadata();
        if metadata.target() != ACTIVITY_TARGET {
            return;
        }
        let mut fields = Fields::default();
        event.record(&mut fields);
        let mut details = fields.details;
        if !fields.others.is_empty() {
            let mut merged = match details.take() {
                Some(Value::Object(map)) => map,
                Some(other) => Map::from_iter([("details".to_string(), other)]),
                None => Map::new(),
            };
            merged.extend(fields.others);
            details = Some(Value::Object(merged));
        }
        let new_event = NewEvent {
            level: level_of(metadata.level()),
            flow: fields.flow.and_then(|f| f.parse().ok()),
            record: fields.record,
            message: fields.message.unwrap_or_default(),
            details,
        };
        let _ = self.sender.send(Message::Event(new_event));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::activity::EventQuery;
    use crate::flow::FlowKind;
    use crate::store::Store;
    use tracing_subscriber::layer::SubscriberExt;

    #[test]
    fn activity_events_land_in_the_log_with_their_fields_and_others_are_ignored() {
        let log = Arc::new(ActivityLog::new(Arc::new(Store::open_in_memory().unwrap())));
        let layer = log.layer();
        let (done, wait) = mpsc::channel();
        let flusher = layer.sender.clone();
        let subscriber = tracing_subscriber::registry().with(layer);
        tracing::subscriber::with_default(subscriber, || {
            tracing::info!(target: "activity", flow = "orders", record = "POS order 7", attempt = 2, "Sync requested");
            tracing::warn!(target: "activity", details = r#"{"status":429}"#, "Throttled");
            tracing::info!("an ordinary log line");
        });
        flusher.send(Message::Flush(done)).unwrap();
        wait.recv().unwrap();

        let page = log.query(&EventQuery::default()).unwrap();
        assert_eq!(page.total, 2, "only target=activity events are recorded");
        let throttled = &page.events[0];
        assert_eq!(throttled.level, Level::Warn);
        assert_eq!(throttled.details, Some(serde_json::json!({"status": 429})));
        let requested = &page.events[1];
        assert_eq!(requested.message, "Sync requested");
        assert_eq!(requested.flow, Some(FlowKind::Orders));
        assert_eq!(requested.record.as_deref(), Some("POS order 7"));
        assert_eq!(requested.details, Some(serde_json::json!({"attempt": 2})));
    }
}
