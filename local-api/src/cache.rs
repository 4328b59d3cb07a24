//! API Gateway's authorizer cache: a decision (Allow or Deny policy, principal
//! and context) per authorizer and identity source value, kept for the TTL and
//! applied to every route that uses that authorizer. Pure: the caller passes
//! the time.

use std::collections::HashMap;

/// Entries kept at most; when full, expired entries go first, then the oldest.
pub const MAX_ENTRIES: usize = 10_000;

#[derive(Debug)]
pub struct AuthorizerCache<T> {
    entries: HashMap<(String, String), Entry<T>>,
}

#[derive(Debug)]
struct Entry<T> {
    stored_at: u64,
    expires_at: u64,
    value: T,
}

impl<T> Default for AuthorizerCache<T> {
    fn default() -> Self {
        Self { entries: HashMap::new() }
    }
}

impl<T: Clone> AuthorizerCache<T> {
    pub fn new() -> Self {
        Self::default()
    }

    /// The decision cached for this authorizer and identity, if still fresh at `now`.
    pub fn get(&self, authorizer: &str, identity: &str, now: u64) -> Option<T> {
        self.entries
            .get(&(authorizer.to_string(), identity.to_string()))
            .filter(|entry| now < entry.expires_at)
            .map(|entry| entry.value.clone())
    }

    /// Keeps the decision for `ttl` seconds from `now`; a TTL of 0 caches nothing.
    pub fn insert(&mut self, authorizer: &str, identity: &str, value: T, now: u64, ttl: u64) {
        if ttl == 0 {
            return;
        }
        if self.entries.len() >= MAX_ENTRIES {
            self.entries.retain(|_, entry| now < entry.expires_at);
        }
        if self.entries.len() >= MAX_ENTRIES
            && let Some(oldest) =
                self.entries.iter().min_by_key(|(_, entry)| entry.stored_at).map(|(key, _)| key.clone())
        {
            self.entries.remove(&oldest);
        }
        let entry = Entry { stored_at: now, expires_at: now.saturating_add(ttl), value };
        self.entries.insert((authorizer.to_string(), identity.to_string()), entry);
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_live_for_the_ttl() {
        let mut cache = AuthorizerCache::new();
        cache.insert("checkToken", "Bearer a", "allow", 1_000, 300);
        assert_eq!(cache.get("checkToken", "Bearer a", 1_000), Some("allow"));
        assert_eq!(cache.get("checkToken", "Bearer a", 1_299), Some("allow"));
        assert_eq!(cache.get("checkToken", "Bearer a", 1_300), None, "expired at exactly the TTL");
        assert_eq!(cache.get("checkToken", "Bearer b", 1_000), None, "per identity");
        assert_eq!(cache.get("other", "Bearer a", 1_000), None, "per authorizer");
    }

    #[test]
    fn a_ttl_of_zero_caches_nothing() {
        let mut cache = AuthorizerCache::new();
        cache.insert("checkToken", "Bearer a", 1, 1_000, 0);
        assert!(cache.is_empty());
        assert_eq!(cache.get("checkToken", "Bearer a", 1_000), None);
    }

    #[test]
    fn a_new_decision_replaces_the_old() {
        let mut cache = AuthorizerCache::new();
        cache.insert("a", "t", 1, 1_000, 10);
        cache.insert("a", "t", 2, 1_020, 10);
        assert_eq!(cache.get("a", "t", 1_025), Some(2));
    }

    #[test]
    fn the_cache_is_bounded() {
        let mut cache = AuthorizerCache::new();
        for i in 0..MAX_ENTRIES {
            cache.insert("a", &i.to_string(), i, i as u64, 1_000_000);
        }
        cache.insert("a", "new", 0, MAX_ENTRIES as u64, 1_000_000);
        assert_eq!(cache.len(), MAX_ENTRIES);
        assert_eq!(cache.get("a", "0", MAX_ENTRIES as u64), None, "the oldest went");
        assert_eq!(cache.get("a", "new", MAX_ENTRIES as u64), Some(0));
        // Expired entries go before live ones.
        let mut cache = AuthorizerCache::new();
        for i in 0..MAX_ENTRIES {
            cache.insert("a", &i.to_string(), i, 0, if i == 5 { 1 } else { 1_000 });
        }
        cache.insert("a", "new", 0, 10, 1_000);
        assert_eq!(cache.get("a", "0", 10), Some(0));
        assert_eq!(cache.get("a", "5", 10), None);
    }
}
