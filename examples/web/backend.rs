//! axum-login's backend: the password step, and the signed-in user of every request.
//!
//! `authenticate` checks a password and nothing else — the login handler decides whether a
//! second factor must follow before it calls `AuthSession::login`. `get_user` loads the user
//! and their 2FA status at every request; the session's check (`session_auth_hash`) is a
//! digest of the password stamp *and the credential epoch*, so axum-login itself ends every
//! session of the user once the second factor changes (enabled, disabled, an authenticator
//! added or removed, new backup codes) or the password does. The session that made the change
//! logs in again under the new check (`routes::session::renew`).

use std::sync::Arc;

use axum_login::{AuthUser, AuthnBackend};
use sha2::{Digest, Sha256};
use twofactor::Status;

use crate::state::Service;
use crate::users::{User, Users, UsersError};

/// A user with their 2FA status, as axum-login keeps them.
#[derive(Clone, Debug)]
pub(crate) struct SignedIn {
    pub(crate) user: User,
    pub(crate) status: Status,
    auth_hash: [u8; 32],
}

impl AuthUser for SignedIn {
    type Id = i64;

    fn id(&self) -> i64 {
        self.user.id
    }

    fn session_auth_hash(&self) -> &[u8] {
        &self.auth_hash
    }
}

/// A username and password.
#[derive(Clone, Debug)]
pub(crate) struct Credentials {
    pub(crate) username: String,
    pub(crate) password: String,
}

/// The backend: the users table and the 2FA service.
#[derive(Clone, Debug)]
pub(crate) struct Backend {
    pub(crate) users: Users,
    pub(crate) service: Arc<Service>,
}

/// Why the backend failed: the users table or the 2FA service (never a refusal).
#[derive(Debug)]
pub(crate) struct BackendError(pub(crate) UsersError);

impl std::fmt::Display for BackendError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "the users or the 2FA records failed: {}", self.0)
    }
}

impl std::error::Error for BackendError {}

impl Backend {
    /// `user` with their current 2FA status.
    pub(crate) async fn signed_in(&self, user: User) -> Result<SignedIn, BackendError> {
        let status = self
            .service
            .status(user.two_factor_id())
            .await
            .map_err(|error| BackendError(Box::new(error)))?;
        let mut digest = Sha256::new();
        digest.update(b"twofactor-web session v1");
        digest.update(user.password_stamp);
        digest.update(status.epoch.to_be_bytes());
        Ok(SignedIn {
            user,
            status,
            auth_hash: digest.finalize().into(),
        })
    }
}

impl AuthnBackend for Backend {
    type User = SignedIn;
    type Credentials = Credentials;
    type Error = BackendError;

    async fn authenticate(&self, credentials: Credentials) -> Result<Option<SignedIn>, BackendError> {
        let user = self
            .users
            .check_password(&credentials.username, &credentials.password)
            .await
            .map_err(BackendError)?;
        match user {
            Some(user) => Ok(Some(self.signed_in(user).await?)),
            None => Ok(None),
        }
    }

    async fn get_user(&self, id: &i64) -> Result<Option<SignedIn>, BackendError> {
        match self.users.get(*id).await.map_err(BackendError)? {
            Some(user) => Ok(Some(self.signed_in(user).await?)),
            None => Ok(None),
        }
    }
}

/// The session type of every handler.
pub(crate) type AuthSession = axum_login::AuthSession<Backend>;
