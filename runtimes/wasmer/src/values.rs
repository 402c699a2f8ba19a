//! Core values across the host boundary.

use execmodel_contract::Value;
use wasmer::{FunctionType, Type};

pub fn to_wasmer(value: &Value) -> wasmer::Value {
    match *value {
        Value::I32(v) => wasmer::Value::I32(v),
        Value::I64(v) => wasmer::Value::I64(v),
        Value::F32(v) => wasmer::Value::F32(v),
        Value::F64(v) => wasmer::Value::F64(v),
    }
}

fn type_of(value: &Value) -> Type {
    match value {
        Value::I32(_) => Type::I32,
        Value::I64(_) => Type::I64,
        Value::F32(_) => Type::F32,
        Value::F64(_) => Type::F64,
    }
}

fn is_number(ty: &Type) -> bool {
    matches!(ty, Type::I32 | Type::I64 | Type::F32 | Type::F64)
}

/// Why `args` cannot be passed to a function of type `ty`, or why its results cannot be
/// reported, if either is the case.
pub fn call_mismatch(export: &str, ty: &FunctionType, args: &[Value]) -> Option<String> {
    let given: Vec<Type> = args.iter().map(type_of).collect();
    if ty.params() != given.as_slice() {
        return Some(format!("export `{export}` takes {:?}, the step passes {:?}", ty.params(), given));
    }
    if let Some(result) = ty.results().iter().find(|ty| !is_number(ty)) {
        return Some(format!("export `{export}` returns a {result:?}, which the harness cannot represent"));
    }
    None
}

/// Results of a function whose types passed [`call_mismatch`].
pub fn from_wasmer(values: &[wasmer::Value]) -> Result<Vec<Value>, String> {
    values
        .iter()
        .map(|value| match *value {
            wasmer::Value::I32(v) => Ok(Value::I32(v)),
            wasmer::Value::I64(v) => Ok(Value::I64(v)),
            wasmer::Value::F32(v) => Ok(Value::F32(v)),
            wasmer::Value::F64(v) => Ok(Value::F64(v)),
            ref other => Err(format!("result {other:?} is not a number")),
        })
        .collect()
}
