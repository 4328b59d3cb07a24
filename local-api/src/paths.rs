//! API Gateway's resource paths: `/users/{username}` matches `/users/alice`
//! with `username` = `alice`; `{name+}` at the end takes the rest of the path.
//! When several resources match, the most specific wins, segment by segment:
//! a literal beats a parameter, which beats a greedy one.

use std::borrow::Cow;

/// How one template segment matches, in the order API Gateway prefers them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Segment {
    Greedy,
    Parameter,
    Literal,
}

fn kind(segment: &str) -> Segment {
    match segment.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
        Some(name) if name.ends_with('+') => Segment::Greedy,
        Some(_) => Segment::Parameter,
        None => Segment::Literal,
    }
}

/// The path parameters, percent-decoded as API Gateway hands them over, if
/// the path matches the template.
pub fn match_path(template: &str, path: &str) -> Option<Vec<(String, String)>> {
    let template: Vec<&str> = template.trim_start_matches('/').split('/').collect();
    let path: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    let mut parameters = Vec::new();
    for (i, segment) in template.iter().enumerate() {
        let name = || segment.trim_start_matches('{').trim_end_matches('}').trim_end_matches('+').to_string();
        match kind(segment) {
            Segment::Literal => {
                if path.get(i) != Some(segment) {
                    return None;
                }
            }
            Segment::Parameter => {
                let value = path.get(i).filter(|v| !v.is_empty())?;
                parameters.push((name(), decode(value)?));
            }
            Segment::Greedy => {
                let rest = path.get(i..).filter(|rest| !rest.is_empty() && rest.iter().all(|s| !s.is_empty()))?;
                return Some({
                    parameters.push((name(), decode(&rest.join("/"))?));
                    parameters
                });
            }
        }
    }
    (path.len() == template.len()).then_some(parameters)
}

/// Orders matching templates: the greater is the one API Gateway picks.
pub fn specificity(template: &str) -> Vec<u8> {
    template.trim_start_matches('/').split('/').map(|s| kind(s) as u8).collect()
}

fn decode(value: &str) -> Option<String> {
    percent_encoding::percent_decode_str(value).decode_utf8().ok().map(Cow::into_owned)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(pairs: &[(&str, &str)]) -> Option<Vec<(String, String)>> {
        Some(pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect())
    }

    #[test]
    fn literals_and_parameters() {
        assert_eq!(match_path("/hello", "/hello"), params(&[]));
        assert_eq!(match_path("/", "/"), params(&[]));
        assert_eq!(match_path("/hello", "/hello/"), None);
        assert_eq!(match_path("/users/{username}", "/users/alice"), params(&[("username", "alice")]));
        assert_eq!(match_path("/users/{username}", "/users/%C3%A9mile"), params(&[("username", "émile")]));
        assert_eq!(match_path("/users/{username}", "/users/"), None, "a parameter is never empty");
        assert_eq!(match_path("/users/{username}", "/users/a/b"), None, "one segment only");
        assert_eq!(match_path("/users/{username}/unlock", "/users/bob/unlock"), params(&[("username", "bob")]));
        assert_eq!(match_path("/files/{path+}", "/files/a/b/c"), params(&[("path", "a/b/c")]));
        assert_eq!(match_path("/files/{path+}", "/files"), None);
    }

    #[test]
    fn literals_win_over_parameters() {
        let mut templates = ["/users/{id}", "/users/me", "/{proxy+}"];
        templates.sort_by_key(|t| std::cmp::Reverse(specificity(t)));
        assert_eq!(templates, ["/users/me", "/users/{id}", "/{proxy+}"]);
    }
}
