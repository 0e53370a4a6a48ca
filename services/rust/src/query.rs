//! Query-string parameters per the contract: percent-decoded first, a parameter given twice is
//! 400 `invalid_query`, integers are `^[0-9]+$` with a maximum digit count, then a range.
//! (`str::parse::<u64>` alone would accept a leading `+`.)

use std::borrow::Cow;

use crate::respond::ApiError;

/// The decoded `name=value` pairs of one request's query string.
pub struct Query<'a> {
    pairs: Vec<(Cow<'a, str>, Cow<'a, str>)>,
}

impl<'a> Query<'a> {
    pub fn parse(raw: Option<&'a str>) -> Self {
        let pairs = raw
            .map(|q| form_urlencoded::parse(q.as_bytes()).collect())
            .unwrap_or_default();
        Query { pairs }
    }

    /// The value of `name`, `None` when absent; `invalid_query` when given more than once.
    pub fn get(&self, name: &str) -> Result<Option<&str>, ApiError> {
        let mut values = self
            .pairs
            .iter()
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v.as_ref());
        match (values.next(), values.next()) {
            (first, None) => Ok(first),
            (Some(_), Some(_)) | (None, Some(_)) => Err(ApiError::InvalidQuery),
        }
    }

    /// An unsigned integer parameter: at most `max_digits` ASCII digits, within `range`;
    /// `default` when absent.
    pub fn uint(
        &self,
        name: &str,
        max_digits: usize,
        range: std::ops::RangeInclusive<u64>,
        default: u64,
    ) -> Result<u64, ApiError> {
        match self.get(name)? {
            None => Ok(default),
            Some(v) => parse_digits(v, max_digits)
                .filter(|n| range.contains(n))
                .ok_or(ApiError::InvalidQuery),
        }
    }
}

/// `^[0-9]{1,max_digits}$` as a number (`max_digits` ≤ 19 keeps it within u64).
pub fn parse_digits(s: &str, max_digits: usize) -> Option<u64> {
    if s.is_empty() || s.len() > max_digits || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integers() {
        let q = Query::parse(Some("a=%31%32&b=+1&c=&d=0x1&e=1234567&f=007&x=1&x=2"));
        assert_eq!(q.uint("a", 6, 1..=200, 5), Ok(12));
        assert_eq!(q.uint("b", 6, 0..=200, 5), Err(ApiError::InvalidQuery));
        assert_eq!(q.uint("c", 6, 0..=200, 5), Err(ApiError::InvalidQuery));
        assert_eq!(q.uint("d", 6, 0..=200, 5), Err(ApiError::InvalidQuery));
        assert_eq!(q.uint("e", 6, 0..=u64::MAX, 5), Err(ApiError::InvalidQuery));
        assert_eq!(q.uint("f", 6, 0..=200, 5), Ok(7));
        assert_eq!(q.uint("x", 6, 0..=200, 5), Err(ApiError::InvalidQuery));
        assert_eq!(q.uint("missing", 6, 0..=200, 5), Ok(5));
        assert_eq!(Query::parse(None).get("a"), Ok(None));
    }
}
