//! The instruction-stream layer: per code object whose `co_code` differs, the first
//! differing instruction (opcode and oparg), with a few instructions of context.

use serde_json::Value;

use super::layers::{LayerVerdict, Status, code_objects};
use crate::outcome::Layer;

/// The first differing instruction of one code object.
#[derive(Debug, Clone)]
pub(super) struct InstrDiff {
    /// Code-object path.
    pub path: String,
    /// Decoded description.
    pub detail: String,
    /// Normalized for the signature: `OURS!=THEIRS` opnames, `OP:arg`, `missing:OP`,
    /// `extra:OP`.
    pub sub: String,
    /// Context lines.
    pub context: Vec<String>,
}

const CONTEXT: usize = 3;

fn instrs(code: &Value) -> &[Value] {
    code["instructions"]
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or_default()
}

fn key(i: &Value) -> (&Value, &Value) {
    (&i["opname"], &i["arg"])
}

/// `  12 LOAD_CONST 3 (1000)` in dis's style.
pub(super) fn render(i: &Value) -> String {
    let arg = if i["arg"].is_null() {
        String::new()
    } else {
        format!(" {}", i["arg"])
    };
    let argrepr = i["argrepr"].as_str().unwrap_or_default();
    let argrepr = if argrepr.is_empty() {
        String::new()
    } else {
        format!(" ({argrepr})")
    };
    format!(
        "{:>5} {}{arg}{argrepr}",
        i["offset"],
        i["opname"].as_str().unwrap_or("?")
    )
}

fn opname(i: Option<&Value>) -> &str {
    i.and_then(|i| i["opname"].as_str()).unwrap_or("?")
}

/// First differing instruction per code object present on both sides with a different
/// `co_code`, in CPython's code-object order.
pub(super) fn compare(ours: &Value, theirs: &Value) -> Vec<InstrDiff> {
    let mut out = Vec::new();
    for tc in code_objects(theirs) {
        let Some(oc) = code_objects(ours).iter().find(|c| c["path"] == tc["path"]) else {
            continue;
        };
        if oc["fields"]["co_code_hex"] == tc["fields"]["co_code_hex"] {
            continue;
        }
        let path = tc["path"].as_str().unwrap_or("?").to_owned();
        let (x, y) = (instrs(oc), instrs(tc));
        let Some(i) = x
            .iter()
            .zip(y)
            .position(|(a, b)| key(a) != key(b))
            .or_else(|| (x.len() != y.len()).then(|| x.len().min(y.len())))
        else {
            continue;
        };
        let (a, b) = (x.get(i), y.get(i));
        let sub = match (a, b) {
            (Some(a), Some(b)) if a["opname"] != b["opname"] => {
                format!("{}!={}", opname(Some(a)), opname(Some(b)))
            }
            (Some(a), Some(_)) => format!("{}:arg", opname(Some(a))),
            (None, Some(b)) => format!("missing:{}", opname(Some(b))),
            (Some(a), None) => format!("extra:{}", opname(Some(a))),
            (None, None) => "other".to_owned(),
        };
        let r = |v: Option<&Value>| v.map_or_else(|| "(end of code)".to_owned(), render);
        let detail = format!(
            "instruction {i}: ours {}, CPython {}",
            r(a).trim_start(),
            r(b).trim_start()
        );
        let lo = i.saturating_sub(CONTEXT);
        let mut context = Vec::new();
        for (side, list) in [("CPython", y), ("ours", x)] {
            context.push(format!("{side}:"));
            let hi = (i + CONTEXT + 1).min(list.len());
            for (k, ins) in list.iter().enumerate().take(hi).skip(lo) {
                let mark = if k == i { ">>" } else { "  " };
                context.push(format!("  {mark}{}", render(ins)));
            }
            if i >= list.len() {
                context.push("  >> (end of code)".to_owned());
            }
        }
        out.push(InstrDiff {
            path,
            detail,
            sub,
            context,
        });
    }
    out
}

pub(super) fn verdict(diffs: &[InstrDiff]) -> LayerVerdict {
    match diffs.first() {
        None => LayerVerdict {
            layer: Layer::Instructions,
            status: Status::Same,
            summary: "identical instruction streams".into(),
            details: Vec::new(),
        },
        Some(first) => {
            let mut details = Vec::new();
            for d in diffs {
                details.push(format!("{}: {}", d.path, d.detail));
                details.extend(d.context.iter().map(|l| format!("    {l}")));
            }
            LayerVerdict {
                layer: Layer::Instructions,
                status: Status::Differs,
                summary: format!(
                    "{} code object(s) with different instructions; first: {} {}",
                    diffs.len(),
                    first.path,
                    first.detail
                ),
                details,
            }
        }
    }
}
