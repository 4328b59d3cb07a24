//! IAM's wildcard matching, as API Gateway applies it to an authorizer's
//! policy: the authorizer predicts it (the access table's overlap check) and
//! the local API emulates it.

/// IAM wildcard matching: `*` matches any run of characters (including none,
/// and including `/` and `:`), `?` matches exactly one character.
pub fn wildcard_match(pattern: &str, value: &str) -> bool {
    let pattern: Vec<char> = pattern.chars().collect();
    let value: Vec<char> = value.chars().collect();
    // Greedy matching with backtracking to the last '*': linear in practice.
    let (mut p, mut v) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while v < value.len() {
        if p < pattern.len() && (pattern[p] == '?' || pattern[p] == value[v]) {
            p += 1;
            v += 1;
        } else if p < pattern.len() && pattern[p] == '*' {
            star = Some((p, v));
            p += 1;
        } else if let Some((star_p, star_v)) = star {
            p = star_p + 1;
            v = star_v + 1;
            star = Some((star_p, star_v + 1));
        } else {
            return false;
        }
    }
    pattern[p..].iter().all(|&c| c == '*')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn star_spans_everything_question_mark_one_character() {
        assert!(wildcard_match("*", ""));
        assert!(wildcard_match("GET/users/*", "GET/users/alice/keys"), "'*' spans '/'");
        assert!(wildcard_match("GET/users/?", "GET/users/a"));
        assert!(!wildcard_match("GET/users/?", "GET/users/ab"));
        assert!(!wildcard_match("GET/users", "GET/users/alice"));
        assert!(wildcard_match("*/*", "POST/x"));
    }
}
