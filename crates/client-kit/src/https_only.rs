//! Secrets travel with every request (eAccounting's client secret and OAuth tokens, the
//! signature SalesPOS's keys make), so requests go over TLS only: an address must be
//! `https://`, except on this machine's loopback (the simulators), and a redirect is followed
//! only when it stays on the same host and does not go from https to plain http. A typo
//! (`http://`) or a hostile set-up file must not be able to send a secret somewhere in clear
//! text. (eAccounting's identity server client follows no redirect at all.)

use url::{Host, Url};

/// Redirects followed at most in one call (reqwest's own default).
const MAX_REDIRECTS: usize = 10;

/// Whether `host` is this machine: 127.0.0.0/8, ::1 or `localhost`.
pub fn is_loopback(host: Host<&str>) -> bool {
    match host {
        Host::Ipv4(ip) => ip.is_loopback(),
        Host::Ipv6(ip) => ip.is_loopback(),
        Host::Domain(name) => name.trim_end_matches('.').eq_ignore_ascii_case("localhost"),
    }
}

/// Whether requests to `url` are protected in transit: `https`, or plain `http` to loopback.
pub fn is_secure_address(url: &Url) -> bool {
    match (url.scheme(), url.host()) {
        ("https", Some(_)) => true,
        ("http", Some(host)) => is_loopback(host),
        _ => false,
    }
}

/// Whether a redirect from `from` to `to` may be followed: same host, never https to http, and
/// a secure address in itself.
pub fn redirect_allowed(from: &Url, to: &Url) -> bool {
    let downgrade = from.scheme() == "https" && to.scheme() != "https";
    from.host_str() == to.host_str() && !downgrade && is_secure_address(to)
}

/// A client's redirect policy: follow what [`redirect_allowed`] allows, hand anything else
/// back as the 3xx answer it is (the client's transport turns that into an error naming the
/// target).
pub fn redirect_policy() -> reqwest::redirect::Policy {
    reqwest::redirect::Policy::custom(|attempt| {
        let allowed = attempt
            .previous()
            .last()
            .is_some_and(|from| redirect_allowed(from, attempt.url()));
        if !allowed {
            attempt.stop()
        } else if attempt.previous().len() > MAX_REDIRECTS {
            attempt.error("too many redirects")
        } else {
            attempt.follow()
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(text: &str) -> Url {
        Url::parse(text).unwrap()
    }

    #[test]
    fn only_https_is_secure_except_on_this_machine() {
        for secure in [
            "https://identity.vismaonline.com/",
            "https://shop.example/",
            "https://127.0.0.1:8443/",
            "http://127.0.0.1:4321/",
            "http://127.1.2.3/",
            "http://[::1]:80/",
            "http://localhost:9000/",
            "http://LOCALHOST./",
        ] {
            assert!(is_secure_address(&url(secure)), "{secure}");
        }
        for insecure in [
            "http://identity.vismaonline.com/",
            "http://shop.example/",
            "http://10.0.0.1/",
            "http://192.168.1.2/",
            "http://[::2]/",
            "http://localhost.evil.example/",
            "http://localhost.shop.example/",
            "http://127.0.0.1.nip.io/",
            "ftp://identity.vismaonline.com/",
            "ftp://shop.example/",
            "file:///etc/passwd",
        ] {
            assert!(!is_secure_address(&url(insecure)), "{insecure}");
        }
    }

    #[test]
    fn a_redirect_never_downgrades_or_leaves_the_host() {
        // eAccounting's API.
        let from = url("https://eaccountingapi.vismaonline.com/v2/customers");
        assert!(redirect_allowed(
            &from,
            &url("https://eaccountingapi.vismaonline.com/v2/customers/")
        ));
        assert!(!redirect_allowed(
            &from,
            &url("http://eaccountingapi.vismaonline.com/v2/customers")
        ));
        assert!(!redirect_allowed(
            &from,
            &url("https://eaccountingapi.vismaonline.com.evil.example/v2/customers")
        ));
        // A shop's SalesPOS API.
        let from = url("https://shop.example/api/rest/v1/orders/");
        assert!(redirect_allowed(
            &from,
            &url("https://shop.example/api/rest/v1/orders/?start=0")
        ));
        assert!(!redirect_allowed(
            &from,
            &url("http://shop.example/api/rest/v1/orders/")
        ));
        assert!(!redirect_allowed(
            &from,
            &url("https://elsewhere.example/api/rest/v1/orders/")
        ));
        // This machine: the host must match as written.
        assert!(!redirect_allowed(
            &url("http://127.0.0.1:4000/"),
            &url("http://localhost:4000/")
        ));
        assert!(redirect_allowed(
            &url("http://127.0.0.1:4000/a"),
            &url("https://127.0.0.1:4000/b")
        ));
    }
}
