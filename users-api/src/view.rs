//! A user as the API shows it: never its hash, never the lockout's counter.

use common::user::User;
use serde::Serialize;

#[derive(Debug, Serialize)]
pub struct UserView<'a> {
    pub username: &'a str,
    pub user_id: &'a str,
    pub roles: &'a [String],
    pub disabled: bool,
    /// Epoch seconds; `null` when the user is not locked now.
    pub locked_until: Option<u64>,
    pub created_at: &'a str,
}

impl<'a> UserView<'a> {
    pub fn of(user: &'a User, now: u64) -> Self {
        Self {
            username: &user.username,
            user_id: &user.user_id,
            roles: &user.roles,
            disabled: user.disabled,
            locked_until: user.locked_for(now).and(user.locked_until),
            created_at: &user.created_at,
        }
    }
}
