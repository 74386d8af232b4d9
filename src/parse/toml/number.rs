//! Bare values: integers, floats and booleans (dates and times are refused: no field of our
//! formats takes one, and a quoted date is what they expect).

use super::tree::Node;

/// The value a bare token spells, or why it is not one.
pub fn bare(token: &str) -> Result<Node, String> {
    match token {
        "true" => return Ok(Node::Bool(true)),
        "false" => return Ok(Node::Bool(false)),
        "inf" | "+inf" | "-inf" | "nan" | "+nan" | "-nan" => {
            return Err(format!("`{token}` is not a number this format can use"));
        }
        _ => {}
    }
    let b = token.as_bytes();
    let digits_then =
        |n: usize, c: u8| b.len() > n && b[..n].iter().all(u8::is_ascii_digit) && b[n] == c;
    if digits_then(4, b'-') || digits_then(2, b':') {
        return Err(format!(
            "`{token}` is a date or time; write it as a string (in quotes)"
        ));
    }
    if let Some(v) = radix(token) {
        return v.map(Node::Int);
    }
    decimal(token).ok_or_else(|| format!("`{token}` is not a value (strings need quotes)"))?
}

/// `0x`, `0o` and `0b` integers (never signed).
fn radix(token: &str) -> Option<Result<i64, String>> {
    let (base, body) = match token.get(..2)? {
        "0x" => (16, &token[2..]),
        "0o" => (8, &token[2..]),
        "0b" => (2, &token[2..]),
        _ => return None,
    };
    let digits = underscored(body, |c| c.is_digit(base))?;
    Some(
        i64::from_str_radix(&digits, base)
            .map_err(|_| format!("`{token}` does not fit in 64 bits")),
    )
}

/// A decimal integer or float.
fn decimal(token: &str) -> Option<Result<Node, String>> {
    let body = token.strip_prefix(['+', '-']).unwrap_or(token);
    let end_int = body.find(['.', 'e', 'E']).unwrap_or(body.len());
    let int = underscored(&body[..end_int], |c| c.is_ascii_digit())?;
    if int.len() > 1 && int.starts_with('0') {
        return None;
    }
    let mut rest = &body[end_int..];
    let mut float = false;
    if let Some(r) = rest.strip_prefix('.') {
        let end = r.find(['e', 'E']).unwrap_or(r.len());
        underscored(&r[..end], |c| c.is_ascii_digit())?;
        rest = &r[end..];
        float = true;
    }
    if let Some(r) = rest.strip_prefix(['e', 'E']) {
        underscored(r.strip_prefix(['+', '-']).unwrap_or(r), |c| {
            c.is_ascii_digit()
        })?;
        float = true;
    } else if !rest.is_empty() {
        return None;
    }
    let clean: String = token.chars().filter(|&c| c != '_').collect();
    Some(if float {
        clean
            .parse::<f64>()
            .map(Node::Float)
            .map_err(|e| e.to_string())
    } else {
        clean
            .parse::<i64>()
            .map(Node::Int)
            .map_err(|_| format!("`{token}` does not fit in 64 bits"))
    })
}

/// Digits with single underscores between them, the underscores removed; None if malformed.
fn underscored(s: &str, digit: impl Fn(char) -> bool) -> Option<String> {
    let mut out = String::new();
    let mut after_digit = false;
    for c in s.chars() {
        if c == '_' && after_digit {
            after_digit = false;
        } else if digit(c) {
            out.push(c);
            after_digit = true;
        } else {
            return None;
        }
    }
    after_digit.then_some(out)
}
