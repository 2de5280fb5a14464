//! Codegen and CFG stages for the code object whose instructions differ, from the
//! oracle's `stages` request: CPython's pseudo-instruction sequence after codegen and
//! (module unit) after `optimize_cfg`, next to the final instructions, so a reader can
//! tell whether codegen or a later pass (CFG optimizer, assembler) diverges.
//!
//! Our own stages are not compared automatically: `pyc_compiler`'s stable API does not
//! expose them (the harness does not depend on the compiler's internal crates, whose
//! APIs change as slices land).

use pyc_oracle::{Pool, Request};
use serde_json::Value;

use super::layers::StagesReport;

/// One stage instruction, in the same text for both sides:
/// `OPNAME arg @line,end_line,col,end_col`.
fn render_oracle(list: &Value) -> Vec<String> {
    list.as_array()
        .map(|a| {
            a.iter()
                .map(|i| {
                    let arg = i["arg"]
                        .as_i64()
                        .map_or_else(|| "-".to_owned(), |a| a.to_string());
                    let l: Vec<String> = i["location"]
                        .as_array()
                        .map(|v| v.iter().map(Value::to_string).collect())
                        .unwrap_or_default();
                    format!(
                        "{} {arg} @{}",
                        i["opname"].as_str().unwrap_or("?"),
                        l.join(",")
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

fn numbered(lines: &[String]) -> Vec<String> {
    lines
        .iter()
        .enumerate()
        .map(|(k, l)| format!("{k:>4} {l}"))
        .collect()
}

pub(super) fn report(
    pool: &Pool,
    source: &[u8],
    filename: &str,
    optimize: i32,
    path: &str,
) -> StagesReport {
    let mut rep = StagesReport {
        path: path.to_owned(),
        ..StagesReport::default()
    };
    let stages = match pool.call(&Request::Stages {
        source: source.to_vec(),
        filename: filename.to_owned(),
        optimize: optimize.max(0),
    }) {
        Ok(v) => v,
        Err(e) => {
            rep.verdict = format!("the oracle's stages are not available: {e}");
            return rep;
        }
    };
    let units = stages["units"]
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or_default();
    let Some(unit) = units.iter().find(|u| u["path"] == path) else {
        rep.verdict = format!("no codegen unit of the oracle maps to {path}");
        return rep;
    };
    let theirs = render_oracle(&unit["codegen"]);
    rep.oracle_codegen = numbered(&theirs);
    if !unit["cfg"].is_null() {
        rep.oracle_cfg = Some(numbered(&render_oracle(&unit["cfg"])));
    }
    rep.verdict = if unit["cfg"].is_null() {
        "CPython's codegen stage of this unit (ours is not exposed by pyc_compiler)".into()
    } else {
        "CPython's codegen and CFG stages of this unit (ours are not exposed by pyc_compiler)"
            .into()
    };
    rep
}
