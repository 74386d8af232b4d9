//! Version strings: extracting `MAJOR.MINOR`, and ordering versions the way rpm's `vercmp` does
//! (runs of digits compare as numbers, runs of letters as text, separators only separate).

use std::cmp::Ordering;

/// The first `MAJOR.MINOR` (or a lone `MAJOR` when nothing follows) at the start of `s`.
/// `7.2.1511` gives `7.2`, `11` gives `11`, `6.10` gives `6.10`.
pub fn major_minor(s: &str) -> Option<String> {
    let s = s.trim();
    let mut parts = s.split('.');
    let major = parts.next()?;
    if major.is_empty() || !major.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    match parts.next() {
        Some(minor) => {
            let digits: String = minor.chars().take_while(|c| c.is_ascii_digit()).collect();
            if digits.is_empty() {
                Some(major.to_string())
            } else {
                Some(format!("{major}.{digits}"))
            }
        }
        None => Some(major.to_string()),
    }
}

/// The major number of a version string.
pub fn major(s: &str) -> Option<u32> {
    s.split('.').next()?.parse().ok()
}

#[derive(Debug, PartialEq, Eq)]
enum Segment<'a> {
    Num(&'a str),
    Alpha(&'a str),
}

fn segments(s: &str) -> Vec<Segment<'_>> {
    let b = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let start = i;
        if b[i].is_ascii_digit() {
            while i < b.len() && b[i].is_ascii_digit() {
                i += 1;
            }
            out.push(Segment::Num(&s[start..i]));
        } else if b[i].is_ascii_alphabetic() {
            while i < b.len() && b[i].is_ascii_alphabetic() {
                i += 1;
            }
            out.push(Segment::Alpha(&s[start..i]));
        } else {
            i += 1;
        }
    }
    out
}

/// Order two version strings (kernel releases, package versions) like rpm does.
pub fn compare(a: &str, b: &str) -> Ordering {
    let (sa, sb) = (segments(a), segments(b));
    for (x, y) in sa.iter().zip(sb.iter()) {
        let ord = match (x, y) {
            (Segment::Num(x), Segment::Num(y)) => {
                let (x, y) = (x.trim_start_matches('0'), y.trim_start_matches('0'));
                x.len().cmp(&y.len()).then_with(|| x.cmp(y))
            }
            (Segment::Alpha(x), Segment::Alpha(y)) => x.cmp(y),
            (Segment::Num(_), Segment::Alpha(_)) => Ordering::Greater,
            (Segment::Alpha(_), Segment::Num(_)) => Ordering::Less,
        };
        if ord != Ordering::Equal {
            return ord;
        }
    }
    sa.len().cmp(&sb.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Minor extraction on the forms real release files use.
    #[test]
    fn major_minor_forms() {
        assert_eq!(major_minor("7.2.1511").as_deref(), Some("7.2"));
        assert_eq!(major_minor("6.10").as_deref(), Some("6.10"));
        assert_eq!(major_minor("11").as_deref(), Some("11"));
        assert_eq!(major_minor("14.04").as_deref(), Some("14.04"));
        assert_eq!(major_minor("bookworm/sid"), None);
        assert_eq!(major_minor(""), None);
    }

    /// Kernel builds order numerically, not as text.
    #[test]
    fn rpm_like_ordering() {
        assert_eq!(
            compare("2.6.32-754.el6", "2.6.32-71.el6"),
            Ordering::Greater
        );
        assert_eq!(
            compare("3.10.0-1160.el7", "3.10.0-957.el7"),
            Ordering::Greater
        );
        assert_eq!(
            compare("4.18.0-305.30.1", "4.18.0-305.3.1"),
            Ordering::Greater
        );
        assert_eq!(compare("1.0", "1.0"), Ordering::Equal);
        assert_eq!(compare("1.0a", "1.0"), Ordering::Greater);
    }
}
