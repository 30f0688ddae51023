//! One user with one password, for `pasv serve --user NAME --password-env VAR`.

use unftp_core::auth::{AuthenticationError, Authenticator, Credentials, Principal};

#[derive(Debug)]
pub(super) struct SingleUser {
    user: String,
    password: String,
}

impl SingleUser {
    pub(super) fn new(user: String, password: String) -> Self {
        Self { user, password }
    }
}

#[async_trait::async_trait]
impl Authenticator for SingleUser {
    async fn authenticate(&self, username: &str, creds: &Credentials) -> Result<Principal, AuthenticationError> {
        if username != self.user {
            return Err(AuthenticationError::BadUser);
        }
        match &creds.password {
            Some(p) if *p == self.password => Ok(Principal { username: username.to_string() }),
            _ => Err(AuthenticationError::BadPassword),
        }
    }
}
