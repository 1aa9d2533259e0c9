//! Per-flow settings: switched on or not, how often it runs, and the flow's own answers to the
//! setup questions (JSON, owned by the flow).

use chrono::Utc;
use rusqlite::{Connection, OptionalExtension};

use super::records::{timestamp, unreadable};
use crate::flow::FlowKind;

#[derive(Debug, Clone, PartialEq)]
pub struct StoredFlowSettings {
    pub flow: FlowKind,
    pub enabled: bool,
    pub interval_seconds: u32,
    pub settings: serde_json::Value,
}

pub fn get(conn: &Connection, flow: FlowKind) -> rusqlite::Result<Option<StoredFlowSettings>> {
    conn.query_row(
        "SELECT enabled, interval_seconds, settings FROM flow_settings WHERE flow = ?1",
        [flow.as_str()],
        |row| {
            let settings: String = row.get(2)?;
            Ok(StoredFlowSettings {
                flow,
                enabled: row.get(0)?,
                interval_seconds: row.get(1)?,
                settings: serde_json::from_str(&settings).map_err(|e| unreadable(2, e))?,
            })
        },
    )
    .optional()
}

pub fn put(conn: &Connection, stored: &StoredFlowSettings) -> rusqlite::Result<()> {
    conn.execute(
        "INSERT INTO flow_settings (flow, enabled, interval_seconds, settings, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5)
         ON CONFLICT (flow) DO UPDATE SET enabled = excluded.enabled,
           interval_seconds = excluded.interval_seconds, settings = excluded.settings,
           updated_at = excluded.updated_at",
        (
            stored.flow.as_str(),
            stored.enabled,
            stored.interval_seconds,
            stored.settings.to_string(),
            timestamp(Utc::now()),
        ),
    )?;
    Ok(())
}

/// Flows switched on, in the order of [`FlowKind::ALL`].
pub fn enabled(conn: &Connection) -> rusqlite::Result<Vec<FlowKind>> {
    let mut statement = conn.prepare("SELECT flow FROM flow_settings WHERE enabled = 1")?;
    let names: Vec<String> = statement
        .query_map([], |row| row.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    Ok(FlowKind::ALL
        .into_iter()
        .filter(|kind| names.iter().any(|n| n == kind.as_str()))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::Store;
    use serde_json::json;

    #[test]
    fn settings_are_per_flow_and_enabled_flows_are_listed_in_a_fixed_order() {
        let store = Store::open_in_memory().unwrap();
        let conn = store.conn();
        for (flow, enabled) in [
            (FlowKind::Stock, true),
            (FlowKind::Orders, true),
            (FlowKind::Products, false),
        ] {
            put(
                &conn,
                &StoredFlowSettings {
                    flow,
                    enabled,
                    interval_seconds: 300,
                    settings: json!({"k": flow.as_str()}),
                },
            )
            .unwrap();
        }
        assert_eq!(
            enabled(&conn).unwrap(),
            vec![FlowKind::Orders, FlowKind::Stock]
        );
        assert_eq!(
            get(&conn, FlowKind::Stock).unwrap().unwrap().settings,
            json!({"k": "stock"})
        );
        assert_eq!(get(&conn, FlowKind::Customers).unwrap(), None);
    }
}
