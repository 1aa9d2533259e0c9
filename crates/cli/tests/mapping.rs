//! `posbridge mapping`: an integrator changes the our-reference rule from the command line,
//! previews it on a real sale, is stopped from mapping the reference PosBridge books by, and
//! puts the default back.

mod support;

use sandbox::salespos::Sale;
use support::{demo_shop, plain_sale, run, text};

#[tokio::test(flavor = "multi_thread")]
async fn a_rule_is_shown_set_previewed_refused_and_reset_from_the_command_line() {
    let (sandbox, dir) = demo_shop(3).await;
    let sku = sandbox::demo::catalogue(3)
        .into_iter()
        .find(|p| p.in_pos)
        .unwrap()
        .sku;
    let order = sandbox
        .salespos
        .ring_up(&Sale {
            payment: "cash".into(),
            ..plain_sale(&sku)
        })
        .unwrap();

    let show = run(dir.path(), &["mapping", "show", "--flow", "orders"]).await;
    assert!(show.status.success(), "{}", text(&show));
    let shown = text(&show);
    assert!(
        shown.contains("order_document -> eAccounting's invoice draft"),
        "{shown}"
    );
    assert!(
        shown.contains("OurReference")
            && shown.contains("lookup payment_method_reference[order.paymethod] else null"),
        "{shown}"
    );
    assert!(
        shown.contains("YourReference")
            && shown.contains("(PosBridge: PosBridge puts its reference"),
        "{shown}"
    );
    assert!(
        shown.contains("order_customer -> eAccounting's customer (shared with the customers flow)"),
        "{shown}"
    );

    let set = run(
        dir.path(),
        &[
            "mapping",
            "set",
            "--flow",
            "orders",
            "OurReference",
            "--expression",
            r#"left(concat("Kassa ", order.paymethod), 50)"#,
        ],
    )
    .await;
    assert!(set.status.success(), "{}", text(&set));
    assert!(text(&set).contains("OurReference of order_document saved."));

    let preview = run(
        dir.path(),
        &[
            "mapping",
            "preview",
            "--flow",
            "orders",
            "--set",
            "order_document",
            "--record",
            &order.id.to_string(),
        ],
    )
    .await;
    assert!(preview.status.success(), "{}", text(&preview));
    assert!(
        text(&preview).contains(r#"OurReference = "Kassa cash"   <- order.paymethod = "cash""#),
        "{}",
        text(&preview)
    );

    let refused = run(
        dir.path(),
        &[
            "mapping",
            "set",
            "--flow",
            "orders",
            "YourReference",
            "--constant",
            "Kassa",
        ],
    )
    .await;
    assert_eq!(refused.status.code(), Some(1), "{}", text(&refused));
    assert!(
        text(&refused).contains("error: YourReference: YourReference cannot be mapped"),
        "{}",
        text(&refused)
    );

    let changed = run(
        dir.path(),
        &[
            "mapping",
            "show",
            "--flow",
            "orders",
            "--set",
            "order_document",
        ],
    )
    .await;
    assert!(text(&changed).contains(", changed"), "{}", text(&changed));
    let reset = run(dir.path(), &["mapping", "reset", "--flow", "orders"]).await;
    assert!(reset.status.success(), "{}", text(&reset));
    let back = run(
        dir.path(),
        &[
            "mapping",
            "show",
            "--flow",
            "orders",
            "--set",
            "order_document",
        ],
    )
    .await;
    assert!(!text(&back).contains(", changed"), "{}", text(&back));
    assert!(!text(&back).contains(" *\n"), "{}", text(&back));
}
