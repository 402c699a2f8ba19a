//! Contract values to wasmtime values and back, with the signature check done before a call.

use execmodel_contract::Value;
use wasmtime::{FuncType, Val, ValType};

fn type_name(ty: &ValType) -> String {
    match ty {
        ValType::I32 => "i32".into(),
        ValType::I64 => "i64".into(),
        ValType::F32 => "f32".into(),
        ValType::F64 => "f64".into(),
        ValType::V128 => "v128".into(),
        ValType::Ref(r) => format!("{r}"),
    }
}

fn matches(value: &Value, ty: &ValType) -> bool {
    matches!(
        (value, ty),
        (Value::I32(_), ValType::I32)
            | (Value::I64(_), ValType::I64)
            | (Value::F32(_), ValType::F32)
            | (Value::F64(_), ValType::F64)
    )
}

fn signature(ty: &FuncType) -> String {
    let params: Vec<String> = ty.params().map(|p| type_name(&p)).collect();
    let results: Vec<String> = ty.results().map(|r| type_name(&r)).collect();
    format!("({}) -> ({})", params.join(", "), results.join(", "))
}

/// The arguments as wasmtime values, or why the export cannot be called with them.
pub fn arguments(export: &str, ty: &FuncType, args: &[Value]) -> Result<Vec<Val>, String> {
    let params: Vec<ValType> = ty.params().collect();
    let fits = params.len() == args.len() && args.iter().zip(&params).all(|(arg, ty)| matches(arg, ty));
    if !fits {
        let given: Vec<String> = args.iter().map(Value::to_string).collect();
        return Err(format!("export `{export}` has type {} and cannot take ({})", signature(ty), given.join(", ")));
    }
    if let Some(result) = ty.results().find(|r| !matches!(r, ValType::I32 | ValType::I64 | ValType::F32 | ValType::F64))
    {
        return Err(format!(
            "export `{export}` has type {}: a {} result cannot be reported",
            signature(ty),
            type_name(&result)
        ));
    }
    Ok(args.iter().map(to_val).collect())
}

fn to_val(value: &Value) -> Val {
    match *value {
        Value::I32(v) => Val::I32(v),
        Value::I64(v) => Val::I64(v),
        Value::F32(v) => Val::F32(v.to_bits()),
        Value::F64(v) => Val::F64(v.to_bits()),
    }
}

/// Results of a call whose signature `arguments` accepted.
pub fn results(values: &[Val]) -> Vec<Value> {
    values
        .iter()
        .filter_map(|value| match *value {
            Val::I32(v) => Some(Value::I32(v)),
            Val::I64(v) => Some(Value::I64(v)),
            Val::F32(bits) => Some(Value::F32(f32::from_bits(bits))),
            Val::F64(bits) => Some(Value::F64(f64::from_bits(bits))),
            _ => None,
        })
        .collect()
}

/// Placeholders wasmtime overwrites with the results.
pub fn result_slots(ty: &FuncType) -> Vec<Val> {
    ty.results().map(|_| Val::I32(0)).collect()
}
