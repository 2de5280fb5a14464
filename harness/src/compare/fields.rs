//! The code-object fields layer: per code-object path, the first differing field,
//! decoded (constants by type and repr, line/exception tables entry by entry).

use serde_json::Value;

use super::layers::{LayerVerdict, Status, code_objects};
use crate::outcome::Layer;

/// The first differing field of one code object.
#[derive(Debug, Clone)]
pub(super) struct FieldDiff {
    /// Code-object path.
    pub path: String,
    /// Field name as in the `layers` schema, or `code_object` (missing/extra object);
    /// `co_code` stands for `co_code_hex`.
    pub field: &'static str,
    /// Decoded description.
    pub detail: String,
    /// Normalized sub-kind for the signature (no names, no values).
    pub sub: String,
}

/// The comparison order: what a code object *is* first, then its tables, then the code
/// (a `co_code` difference is handed to the instructions layer), then what is derived
/// from the code (stack size, line and exception tables).
const ORDER: [&str; 21] = [
    "co_argcount",
    "co_posonlyargcount",
    "co_kwonlyargcount",
    "co_flags",
    "co_firstlineno",
    "co_name",
    "co_qualname",
    "co_filename",
    "co_consts",
    "co_names",
    "co_localsplusnames",
    "co_localspluskinds",
    "co_nlocals",
    "co_code_hex",
    "co_stacksize",
    "co_linetable",
    "co_linetable_error",
    "co_linetable_hex",
    "co_exceptiontable",
    "co_exceptiontable_error",
    "co_exceptiontable_hex",
];

/// First differing field per code object, in CPython's code-object order; code
/// objects only we have come last.
pub(super) fn compare(ours: &Value, theirs: &Value) -> Vec<FieldDiff> {
    let (o, t) = (code_objects(ours), code_objects(theirs));
    let find = |list: &[Value], path: &str| list.iter().find(|c| c["path"] == path).cloned();
    let mut out = Vec::new();
    for tc in t {
        let path = tc["path"].as_str().unwrap_or("?").to_owned();
        match find(o, &path) {
            None => out.push(FieldDiff {
                path: path.clone(),
                field: "code_object",
                detail: format!("code object {path} is missing from ours"),
                sub: "missing".into(),
            }),
            Some(oc) => {
                if let Some(d) = compare_one(&path, &oc["fields"], &tc["fields"]) {
                    out.push(d);
                }
            }
        }
    }
    for oc in o {
        let path = oc["path"].as_str().unwrap_or("?").to_owned();
        if find(t, &path).is_none() {
            out.push(FieldDiff {
                path: path.clone(),
                field: "code_object",
                detail: format!("ours has an extra code object {path}"),
                sub: "extra".into(),
            });
        }
    }
    out
}

pub(super) fn verdict(diffs: &[FieldDiff]) -> LayerVerdict {
    match diffs.first() {
        None => LayerVerdict {
            layer: Layer::Fields,
            status: Status::Same,
            summary: "every code object has identical fields".into(),
            details: Vec::new(),
        },
        Some(first) => LayerVerdict {
            layer: Layer::Fields,
            status: Status::Differs,
            summary: format!(
                "{} code object(s) differ; first: {} {}",
                diffs.len(),
                first.path,
                first.detail
            ),
            details: diffs
                .iter()
                .map(|d| format!("{}: {}", d.path, d.detail))
                .collect(),
        },
    }
}

fn compare_one(path: &str, o: &Value, t: &Value) -> Option<FieldDiff> {
    for field in ORDER {
        if o[field] == t[field] {
            continue;
        }
        let (name, detail, sub) = describe(field, o, t);
        return Some(FieldDiff {
            path: path.to_owned(),
            field: name,
            detail,
            sub,
        });
    }
    None
}

fn describe(field: &'static str, o: &Value, t: &Value) -> (&'static str, String, String) {
    let (a, b) = (&o[field], &t[field]);
    match field {
        "co_flags" => {
            let names = |v: &Value| -> Vec<String> {
                v["co_flags_names"]
                    .as_array()
                    .map(|a| {
                        a.iter()
                            .filter_map(|x| x.as_str().map(str::to_owned))
                            .collect()
                    })
                    .unwrap_or_default()
            };
            let (on, tn) = (names(o), names(t));
            let extra: Vec<&String> = on.iter().filter(|x| !tn.contains(x)).collect();
            let missing: Vec<&String> = tn.iter().filter(|x| !on.contains(x)).collect();
            let mut sub = String::new();
            for x in &extra {
                sub.push_str(&format!("+{x}"));
            }
            for x in &missing {
                sub.push_str(&format!("-{x}"));
            }
            (
                field,
                format!(
                    "co_flags: ours {a} [{}], CPython {b} [{}]",
                    on.join("|"),
                    tn.join("|")
                ),
                sub,
            )
        }
        "co_consts" => consts(a, b),
        "co_names" | "co_localsplusnames" => {
            let (x, y) = (array(a), array(b));
            let (i, sub) = seq_diff(x, y);
            let mut sx: Vec<String> = x.iter().map(Value::to_string).collect();
            let mut sy: Vec<String> = y.iter().map(Value::to_string).collect();
            sx.sort();
            sy.sort();
            let sub = if sub == "value" && sx == sy {
                "order".to_owned()
            } else {
                sub
            };
            (
                field,
                format!(
                    "{field}[{i}]: ours {}, CPython {} ({} vs {} names)",
                    show(x.get(i)),
                    show(y.get(i)),
                    x.len(),
                    y.len()
                ),
                sub,
            )
        }
        "co_localspluskinds" => {
            let (x, y) = (
                array(&o["co_localspluskinds_names"]),
                array(&t["co_localspluskinds_names"]),
            );
            let (i, sub) = seq_diff(x, y);
            (
                field,
                format!(
                    "co_localspluskinds[{i}]: ours {}, CPython {}",
                    show(x.get(i)),
                    show(y.get(i))
                ),
                sub,
            )
        }
        "co_code_hex" => (
            "co_code",
            format!(
                "co_code differs ({} vs {} bytes)",
                a.as_str().map_or(0, |s| s.len() / 2),
                b.as_str().map_or(0, |s| s.len() / 2)
            ),
            "code".into(),
        ),
        "co_linetable" => table(
            field,
            array(a),
            array(b),
            &["kind", "units", "line", "end_line", "col", "end_col"],
            render_loc,
        ),
        "co_exceptiontable" => table(
            field,
            array(a),
            array(b),
            &["start", "end", "target", "depth", "lasti"],
            render_exc,
        ),
        "co_linetable_hex" | "co_exceptiontable_hex" => (
            if field == "co_linetable_hex" {
                "co_linetable"
            } else {
                "co_exceptiontable"
            },
            format!("{field}: same decoding, different bytes: ours {a}, CPython {b}"),
            "encoding".into(),
        ),
        "co_linetable_error" | "co_exceptiontable_error" => (
            if field == "co_linetable_error" {
                "co_linetable"
            } else {
                "co_exceptiontable"
            },
            format!("{field}: ours {a}, CPython {b}"),
            "malformed".into(),
        ),
        _ => {
            // Scalars (ints and strings).
            let sub = match (a.as_i64(), b.as_i64()) {
                (Some(x), Some(y)) if x > y => "higher".to_owned(),
                (Some(_), Some(_)) => "lower".to_owned(),
                _ => "value".to_owned(),
            };
            (field, format!("{field}: ours {a}, CPython {b}"), sub)
        }
    }
}

fn array(v: &Value) -> &[Value] {
    v.as_array().map(Vec::as_slice).unwrap_or_default()
}

fn show(v: Option<&Value>) -> String {
    v.map_or_else(|| "(none)".to_owned(), Value::to_string)
}

/// Index of the first difference and its kind: `value` or `count` (one is a prefix of
/// the other).
fn seq_diff(x: &[Value], y: &[Value]) -> (usize, String) {
    match x.iter().zip(y).position(|(a, b)| a != b) {
        Some(i) => (i, "value".into()),
        None => (x.len().min(y.len()), "count".into()),
    }
}

fn render_const(c: &Value) -> String {
    format!(
        "{} {}",
        c["type"].as_str().unwrap_or("?"),
        c["repr"].as_str().unwrap_or("?")
    )
}

fn consts(a: &Value, b: &Value) -> (&'static str, String, String) {
    let (x, y) = (array(a), array(b));
    let (i, kind) = seq_diff(x, y);
    let sub = match (x.get(i), y.get(i)) {
        (Some(p), Some(q)) if p["type"] != q["type"] => format!(
            "type:{}!={}",
            p["type"].as_str().unwrap_or("?"),
            q["type"].as_str().unwrap_or("?")
        ),
        (Some(p), Some(_)) => format!("value:{}", p["type"].as_str().unwrap_or("?")),
        _ => kind,
    };
    let r = |v: Option<&Value>| v.map_or_else(|| "(none)".to_owned(), render_const);
    (
        "co_consts",
        format!(
            "co_consts[{i}]: ours {}, CPython {} ({} vs {} constants)",
            r(x.get(i)),
            r(y.get(i)),
            x.len(),
            y.len()
        ),
        sub,
    )
}

fn table(
    field: &'static str,
    x: &[Value],
    y: &[Value],
    keys: &[&str],
    render: fn(&Value) -> String,
) -> (&'static str, String, String) {
    let (i, kind) = seq_diff(x, y);
    let sub = match (x.get(i), y.get(i)) {
        (Some(p), Some(q)) => {
            let k = keys
                .iter()
                .find(|k| p[**k] != q[**k])
                .copied()
                .unwrap_or("?");
            if k == "kind" {
                format!(
                    "kind:{}!={}",
                    p["kind"].as_str().unwrap_or("?"),
                    q["kind"].as_str().unwrap_or("?")
                )
            } else {
                k.to_owned()
            }
        }
        _ => kind,
    };
    let r = |v: Option<&Value>| v.map_or_else(|| "(none)".to_owned(), render);
    (
        field,
        format!(
            "{field} entry {i}: ours {}, CPython {} ({} vs {} entries)",
            r(x.get(i)),
            r(y.get(i)),
            x.len(),
            y.len()
        ),
        sub,
    )
}

fn opt(v: &Value) -> String {
    if v.is_null() {
        "-".to_owned()
    } else {
        v.to_string()
    }
}

fn render_loc(e: &Value) -> String {
    format!(
        "[{} x{} line {}-{} col {}-{}]",
        e["kind"].as_str().unwrap_or("?"),
        opt(&e["units"]),
        opt(&e["line"]),
        opt(&e["end_line"]),
        opt(&e["col"]),
        opt(&e["end_col"])
    )
}

fn render_exc(e: &Value) -> String {
    format!(
        "[{}-{} -> {} depth {}{}]",
        opt(&e["start"]),
        opt(&e["end"]),
        opt(&e["target"]),
        opt(&e["depth"]),
        if e["lasti"].as_bool() == Some(true) {
            " lasti"
        } else {
            ""
        }
    )
}
