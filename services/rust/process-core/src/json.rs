//! The contract's request-JSON rules (services/CONTRACT.md §2): a body that is not JSON at all is
//! 400 `invalid_json`, JSON of the wrong shape, type or range is 422 `invalid_request`; request
//! objects must be JSON objects; strings echoed back are restricted to `[A-Za-z0-9_-]`.

use std::fmt;
use std::marker::PhantomData;

use serde::de::value::MapAccessDeserializer;
use serde::de::{Deserialize, Deserializer, IgnoredAny, MapAccess, Visitor};

/// Why a request body was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BodyError {
    /// Not JSON at all: syntax error, empty body, trailing garbage (400).
    InvalidJson,
    /// Well-formed JSON of the wrong shape or type (422).
    InvalidRequest,
}

/// Deserializes `body` as a JSON object into `T`.
///
/// serde_json stops at the first error, and `Error::classify()` alone cannot tell the two
/// cases apart in every body: a type error (`Category::Data`) may come before a syntax error
/// further on (`{"a":5.0,` is not JSON), and a number too large for `f64` is reported as
/// `Category::Syntax` although the text is valid JSON. So on any error the whole body is checked
/// once more for well-formedness alone (`IgnoredAny`): the slow path runs only for bad requests.
pub fn parse_object<'de, T: Deserialize<'de>>(body: &'de [u8]) -> Result<T, BodyError> {
    match serde_json::from_slice::<Object<T>>(body) {
        Ok(Object(value)) => Ok(value),
        // Running out of input is never valid JSON: skip the second pass.
        Err(err) if err.is_eof() => Err(BodyError::InvalidJson),
        Err(_) if serde_json::from_slice::<IgnoredAny>(body).is_ok() => {
            Err(BodyError::InvalidRequest)
        }
        Err(_) => Err(BodyError::InvalidJson),
    }
}

/// `^[A-Za-z0-9_-]{1,max}$`
pub fn is_token(s: &str, max: usize) -> bool {
    !s.is_empty()
        && s.len() <= max
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

/// A `T` that must be written as a JSON object.
///
/// `#[derive(Deserialize)]` structs also accept a JSON array of their fields in order
/// (`[1,"u17",...]`); the contract wants that refused. This wrapper asks the deserializer for a
/// map only, then lets `T`'s derived impl read the fields from it.
pub struct Object<T>(pub T);

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Object<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct ObjectVisitor<T>(PhantomData<T>);

        impl<'de, T: Deserialize<'de>> Visitor<'de> for ObjectVisitor<T> {
            type Value = T;

            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a JSON object")
            }

            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<T, A::Error> {
                T::deserialize(MapAccessDeserializer::new(map))
            }
        }

        deserializer
            .deserialize_map(ObjectVisitor(PhantomData))
            .map(Object)
    }
}
