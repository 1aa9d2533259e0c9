//! The keys sign every request, so the client talks TLS only (plain http only to this machine)
//! and never lets a redirect carry a signed request to another host or down to plain http.

mod common;

use common::{fast_options, raw_server};
use salespos::{Client, Credentials, Error};

fn credentials(api_root: &str) -> Credentials {
    Credentials {
        api_root: api_root.into(),
        public_key: "public".into(),
        secret: "secret".into(),
    }
}

#[test]
fn a_plain_http_address_of_another_machine_is_refused_before_anything_is_sent() {
    for address in [
        "http://shop.example",
        "http://192.168.1.20:8080/api/rest/v1/",
    ] {
        let error = Client::new(credentials(address), fast_options()).unwrap_err();
        assert!(matches!(error, Error::Config(_)), "{address}: {error:?}");
        assert!(error.to_string().contains("https://"), "{error}");
    }
    for address in [
        "https://shop.example",
        "http://127.0.0.1:4321",
        "http://localhost:4321",
    ] {
        Client::new(credentials(address), fast_options()).expect(address);
    }
}

#[tokio::test]
async fn a_redirect_to_another_host_is_not_followed_and_says_where_it_pointed() {
    let (elsewhere, mut reached) = raw_server(
        "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 2\r\n\r\n{}".into(),
    )
    .await;
    // The same machine under another name is another host all the same.
    let elsewhere = elsewhere.replace("127.0.0.1", "localhost");
    let (shop, _) = raw_server(format!(
        "HTTP/1.1 302 Found\r\nlocation: {elsewhere}/api/rest/v1/webshops/\r\ncontent-length: 0\r\n\r\n"
    ))
    .await;
    let client = Client::new(credentials(&shop), fast_options()).unwrap();

    let error = client.health_check().await.unwrap_err();

    assert!(
        reached.try_recv().is_err(),
        "the signed request was sent on to {elsewhere}"
    );
    assert_eq!(error.code(), "salespos.bad_settings", "{error:?}");
    assert!(error.to_string().contains(&elsewhere), "{error}");
    assert!(!error.is_transient());
}
