//! Articles looked up by number (the SKU) in batches, `Number eq 'A' or Number eq 'B' ...`: one
//! request per twenty numbers instead of one per number, and the filter stays well under URL
//! length limits.

use eaccounting::{Article, Client, Filter};

/// Numbers are looked up this many at a time.
const NUMBERS_PER_LOOKUP: usize = 20;

/// The articles with these numbers, as eAccounting lists them (a number it lacks gives none).
pub async fn numbered(
    books: &Client,
    numbers: impl IntoIterator<Item = String>,
) -> eaccounting::Result<Vec<Article>> {
    let mut wanted: Vec<String> = numbers.into_iter().collect();
    wanted.sort();
    wanted.dedup();
    let mut found = Vec::new();
    for chunk in wanted.chunks(NUMBERS_PER_LOOKUP) {
        let filter = chunk
            .iter()
            .map(|number| Article::NUMBER.eq(number.clone()))
            .reduce(Filter::or)
            .expect("chunks are not empty");
        found.extend(books.list_all(Some(filter)).await?.items);
    }
    Ok(found)
}
