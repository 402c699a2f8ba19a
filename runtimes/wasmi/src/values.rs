//! Contract values in and out of wasmi, checked against the export's signature.

use execmodel_contract::Value;
use wasmi::{FuncType, Val, ValType, F32, F64};

/// The call's arguments as wasmi values and a buffer for its results, or why `args` do not fit.
pub fn prepare(export: &str, ty: &FuncType, args: &[Value]) -> Result<(Vec<Val>, Vec<Val>), String> {
    let params = ty.params();
    if params.len() != args.len() {
        return Err(format!(
            "`{export}` takes {} argument(s) ({}), {} given",
            params.len(),
            type_list(params),
            args.len()
        ));
    }
    let inputs = params
        .iter()
        .zip(args)
        .map(|(ty, arg)| to_val(*ty, *arg).ok_or_else(|| format!("`{export}` expects {ty:?}, got {arg}")))
        .collect::<Result<Vec<_>, _>>()?;
    if let Some(unsupported) = ty.results().iter().find(|ty| default_of(**ty).is_none()) {
        return Err(format!("`{export}` returns {unsupported:?}, which the harness cannot represent"));
    }
    let outputs = ty.results().iter().filter_map(|ty| default_of(*ty)).collect();
    Ok((inputs, outputs))
}

pub fn from_vals(vals: &[Val]) -> Vec<Value> {
    vals.iter().filter_map(from_val).collect()
}

fn to_val(ty: ValType, value: Value) -> Option<Val> {
    Some(match (ty, value) {
        (ValType::I32, Value::I32(v)) => Val::I32(v),
        (ValType::I64, Value::I64(v)) => Val::I64(v),
        (ValType::F32, Value::F32(v)) => Val::F32(F32::from_float(v)),
        (ValType::F64, Value::F64(v)) => Val::F64(F64::from_float(v)),
        _ => return None,
    })
}

fn from_val(val: &Val) -> Option<Value> {
    Some(match val {
        Val::I32(v) => Value::I32(*v),
        Val::I64(v) => Value::I64(*v),
        Val::F32(v) => Value::F32(v.to_float()),
        Val::F64(v) => Value::F64(v.to_float()),
        _ => return None,
    })
}

fn default_of(ty: ValType) -> Option<Val> {
    Some(match ty {
        ValType::I32 => Val::I32(0),
        ValType::I64 => Val::I64(0),
        ValType::F32 => Val::F32(F32::from_float(0.0)),
        ValType::F64 => Val::F64(F64::from_float(0.0)),
        _ => return None,
    })
}

fn type_list(types: &[ValType]) -> String {
    types.iter().map(|ty| format!("{ty:?}")).collect::<Vec<_>>().join(", ")
}
