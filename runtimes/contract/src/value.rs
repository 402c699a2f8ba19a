use std::fmt;
use std::str::FromStr;

/// A core wasm value crossing the host boundary, written `i32:5`, `i64:-1`, `f32:1.5`, `f64:0`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Value {
    I32(i32),
    I64(i64),
    F32(f32),
    F64(f64),
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{text}` is not a wasm value: expected TYPE:NUMBER with TYPE one of i32, i64, f32, f64 (e.g. `i32:5`)")]
pub struct ValueParseError {
    pub text: String,
}

impl FromStr for Value {
    type Err = ValueParseError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let err = || ValueParseError { text: text.to_string() };
        let (ty, number) = text.split_once(':').ok_or_else(err)?;
        let number = number.trim();
        Ok(match ty.trim() {
            // i32 accepts the unsigned spelling too, as wasm does (`i32:4294967295` is -1).
            "i32" => Value::I32(
                number.parse::<i32>().or_else(|_| number.parse::<u32>().map(|u| u as i32)).map_err(|_| err())?,
            ),
            "i64" => Value::I64(
                number.parse::<i64>().or_else(|_| number.parse::<u64>().map(|u| u as i64)).map_err(|_| err())?,
            ),
            "f32" => Value::F32(number.parse().map_err(|_| err())?),
            "f64" => Value::F64(number.parse().map_err(|_| err())?),
            _ => return Err(err()),
        })
    }
}

impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::I32(v) => write!(f, "i32:{v}"),
            Value::I64(v) => write!(f, "i64:{v}"),
            Value::F32(v) => write!(f, "f32:{v}"),
            Value::F64(v) => write!(f, "f64:{v}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_prints_round_trip() {
        for text in ["i32:5", "i32:-1", "i64:9000000000", "f32:1.5", "f64:-0.25"] {
            assert_eq!(text.parse::<Value>().unwrap().to_string(), text);
        }
        assert_eq!("i32:4294967295".parse::<Value>().unwrap(), Value::I32(-1));
    }

    #[test]
    fn rejects_untyped_numbers() {
        for text in ["5", "i16:5", "i32:x", "i32:"] {
            assert!(text.parse::<Value>().is_err(), "{text}");
        }
    }
}
