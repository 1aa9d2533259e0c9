//! The categories flow as a merchant lives it: the bookkeeping's article labels are the till's
//! product groups; a renamed label renames its group, and nothing is made twice.

mod catalog;
mod support;

use catalog::{books, clear_logs, count, pos_log, sync_again_unchanged, sync_ok, writes};
use eaccounting::ArticleLabel;
use engine::FlowKind;

fn category_names(shop: &support::Shop) -> Vec<String> {
    let mut names: Vec<String> = shop
        .sandbox
        .salespos
        .snapshot()
        .categories
        .values()
        .map(|c| c.name.clone())
        .collect();
    names.sort();
    names
}

fn label_names(shop: &support::Shop) -> Vec<String> {
    let mut names: Vec<String> = shop
        .books()
        .article_labels
        .iter()
        .map(|l| l["Name"].as_str().unwrap().to_string())
        .collect();
    names.sort();
    names
}

#[tokio::test]
async fn labels_become_categories_and_a_renamed_label_renames_its_category() {
    let shop = catalog::open().await;
    catalog::empty_pos(&shop).await;
    catalog::categories_settings(&shop, |_| {});

    let first = sync_ok(&shop, FlowKind::Categories).await;
    assert_eq!(
        first.counts.created as usize,
        label_names(&shop).len(),
        "{first:#?}"
    );
    assert_eq!(category_names(&shop), label_names(&shop));

    let books = books(&shop).await;
    let mut tea = books
        .list_all(Some(ArticleLabel::NAME.eq("Thee")))
        .await
        .unwrap()
        .items
        .remove(0);
    tea.name = "Thee & kruiden".into();
    books.update(&tea.id.unwrap(), &tea).await.unwrap();
    books
        .create(&ArticleLabel::new("Seizoensartikelen"))
        .await
        .unwrap();
    clear_logs(&shop);

    let second = sync_ok(&shop, FlowKind::Categories).await;
    assert_eq!(
        (second.counts.created, second.counts.updated),
        (1, 1),
        "{second:#?}"
    );
    assert_eq!(category_names(&shop), label_names(&shop));
    assert!(category_names(&shop).contains(&"Thee & kruiden".to_string()));
    let log = pos_log(&shop);
    assert_eq!(count(&log, "PATCH /api/rest/v1/categories/{id}"), 1);
    assert_eq!(count(&log, "POST /api/rest/v1/categories"), 1);

    sync_again_unchanged(&shop, FlowKind::Categories).await;
    assert_eq!(writes(&pos_log(&shop)), 0);
}

#[tokio::test]
async fn the_tills_own_groups_with_a_labels_name_are_used_not_duplicated() {
    let shop = catalog::open().await;
    catalog::categories_settings(&shop, |_| {});
    let before = category_names(&shop);

    let summary = sync_ok(&shop, FlowKind::Categories).await;
    assert_eq!(summary.counts.failed, 0, "{summary:#?}");
    let after = category_names(&shop);
    let labels = label_names(&shop);
    assert!(labels.iter().all(|l| after.contains(l)));
    let added: Vec<&String> = after.iter().filter(|c| !before.contains(c)).collect();
    let missing: Vec<&String> = labels.iter().filter(|l| !before.contains(l)).collect();
    assert_eq!(
        added, missing,
        "only labels the till had no group for are created"
    );
    assert_eq!(
        count(&pos_log(&shop), "POST /api/rest/v1/categories"),
        missing.len() as u64
    );
}

#[tokio::test]
async fn with_updates_off_a_renamed_label_leaves_the_merchants_group_name_alone() {
    let shop = catalog::open().await;
    catalog::empty_pos(&shop).await;
    catalog::categories_settings(&shop, |s| s.update_existing = false);
    sync_ok(&shop, FlowKind::Categories).await;

    let books = books(&shop).await;
    let mut books_label = books
        .list_all(Some(ArticleLabel::NAME.eq("Boeken")))
        .await
        .unwrap()
        .items
        .remove(0);
    books_label.name = "Leesvoer".into();
    books
        .update(&books_label.id.unwrap(), &books_label)
        .await
        .unwrap();
    clear_logs(&shop);
    sync_ok(&shop, FlowKind::Categories).await;
    assert!(category_names(&shop).contains(&"Boeken".to_string()));
    assert!(!category_names(&shop).contains(&"Leesvoer".to_string()));
    assert_eq!(writes(&pos_log(&shop)), 0);
}
