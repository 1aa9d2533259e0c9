//! Links: this record in the source system is that record in the target system, and this is what
//! we last sent for it. A linked record is never created twice, and an unchanged one is not sent
//! again (its content hash is the same).

use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension};

use super::records::{parse_timestamp, timestamp, unreadable, LinkKind, System};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Link {
    pub kind: LinkKind,
    pub source_system: System,
    pub source_id: String,
    pub target_system: System,
    pub target_id: String,
    /// How the merchant knows the target, e.g. "invoice 1042".
    pub label: Option<String>,
    pub content_hash: Option<String>,
    pub updated_at: DateTime<Utc>,
}

pub fn find(
    conn: &Connection,
    kind: LinkKind,
    source_system: System,
    source_id: &str,
) -> rusqlite::Result<Option<Link>> {
    conn.query_row(
        "SELECT target_system, target_id, label, content_hash, updated_at FROM links
         WHERE kind = ?1 AND source_system = ?2 AND source_id = ?3",
        (kind.as_str(), source_system.as_str(), source_id),
        |row| {
            let target_system: String = row.get(0)?;
            let updated_at: String = row.get(4)?;
            Ok(Link {
                kind,
                source_system,
                source_id: source_id.to_string(),
                target_system: target_system.parse().map_err(|e| unreadable(0, e))?,
                target_id: row.get(1)?,
                label: row.get(2)?,
                content_hash: row.get(3)?,
                updated_at: parse_timestamp(4, &updated_at)?,
            })
        },
    )
    .optional()
}

/// The source ids linked to `target_id`, e.g. which POS product an article is linked to.
pub fn sources_of(
    conn: &Connection,
    kind: LinkKind,
    target_system: System,
    target_id: &str,
) -> rusqlite::Result<Vec<String>> {
    let mut statement = conn.prepare_cached(
        "SELECT source_id FROM links WHERE kind = ?1 AND target_system = ?2 AND target_id = ?3",
    )?;
    let ids = statement
        .query_map((kind.as_str(), target_system.as_str(), target_id), |row| {
            row.get(0)
        })?
        .collect();
    ids
}

/// Creates or replaces the link of a source record.
pub fn put(conn: &Connection, link: &Link) -> rusqlite::Result<()> {
    conn.execute(
        "INSERT INTO links (kind, source_system, source_id, target_system, target_id, label, content_hash, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
         ON CONFLICT (kind, source_system, source_id) DO UPDATE SET
           target_system = excluded.target_system, target_id = excluded.target_id,
           label = excluded.label, content_hash = excluded.content_hash, updated_at = excluded.updated_at",
        (
            link.kind.as_str(),
            link.source_system.as_str(),
            &link.source_id,
            link.target_system.as_str(),
            &link.target_id,
            &link.label,
            &link.content_hash,
            timestamp(link.updated_at),
        ),
    )?;
    Ok(())
}

pub fn count(conn: &Connection, kind: LinkKind) -> rusqlite::Result<i64> {
    conn.query_row(
        "SELECT count(*) FROM links WHERE kind = ?1",
        [kind.as_str()],
        |row| row.get(0),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::Store;

    fn link(target: &str, hash: &str) -> Link {
        Link {
            kind: LinkKind::Order,
            source_system: System::Salespos,
            source_id: "5001".into(),
            target_system: System::Eaccounting,
            target_id: target.into(),
            label: Some("invoice 1042".into()),
            content_hash: Some(hash.into()),
            updated_at: Utc::now(),
        }
    }

    #[test]
    fn a_link_is_found_by_its_source_and_replaced_in_place() {
        let store = Store::open_in_memory().unwrap();
        let conn = store.conn();
        assert_eq!(
            find(&conn, LinkKind::Order, System::Salespos, "5001").unwrap(),
            None
        );
        put(&conn, &link("a", "h1")).unwrap();
        put(&conn, &link("b", "h2")).unwrap();
        let found = find(&conn, LinkKind::Order, System::Salespos, "5001")
            .unwrap()
            .unwrap();
        assert_eq!(found.target_id, "b");
        assert_eq!(found.content_hash.as_deref(), Some("h2"));
        assert_eq!(count(&conn, LinkKind::Order).unwrap(), 1);
        assert_eq!(
            sources_of(&conn, LinkKind::Order, System::Eaccounting, "b").unwrap(),
            vec!["5001".to_string()]
        );
        // Kinds are separate namespaces.
        assert_eq!(
            find(&conn, LinkKind::Customer, System::Salespos, "5001").unwrap(),
            None
        );
    }
}
