//! The stores as a program on the operator's machine opens them (the local
//! API and the admin CLI share this, so both always open the same store):
//! [`store`] picks the embedded SQLite file in the data folder or the DynamoDB
//! table named by `USERS_TABLE`; [`secret`] keeps the local API's signing key
//! in the same folder (and [`signing_key`] its ES256 key pair); [`trust`] is the rule both follow before using anything
//! in that folder.

pub mod secret;
pub mod signing_key;
pub mod store;
pub mod trust;

pub use store::{Initialized, OpenError, Store, StoreArgs, StoreKind};
