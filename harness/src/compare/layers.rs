//! Bisection of a byte difference through the layers, and the report that records every
//! layer's verdict.

use pyc_oracle::{OracleError, Pool, Request};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::{WarningInfo, fields, instructions, marshal, stages};
use crate::outcome::{Layer, code_kind};
use crate::perturb::Perturbation;

/// A layer's verdict.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Both sides agree in this layer.
    Same,
    /// They differ here.
    Differs,
    /// This layer could not be computed (e.g. our bytes do not unmarshal in CPython).
    Unavailable,
    /// Not compared (e.g. a rejection: there is nothing to compare).
    NotCompared,
}

impl Status {
    /// Short text.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Same => "same",
            Status::Differs => "DIFFERS",
            Status::Unavailable => "unavailable",
            Status::NotCompared => "not compared",
        }
    }
}

/// One layer's verdict, for people (decoded, never hex unless the layer is bytes).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LayerVerdict {
    /// Which layer.
    pub layer: Layer,
    /// Its verdict.
    pub status: Status,
    /// One line.
    pub summary: String,
    /// More lines (per code object, walk windows, ...).
    pub details: Vec<String>,
}

/// The oracle's codegen/CFG stages for the code object where the instructions differ.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StagesReport {
    /// Code-object path of the unit.
    pub path: String,
    /// What is shown, or why the stages are not available.
    pub verdict: String,
    /// CPython's codegen stage (`compiler_codegen`), one instruction per line.
    pub oracle_codegen: Vec<String>,
    /// CPython's CFG stage (`optimize_cfg`; module unit only).
    pub oracle_cfg: Option<Vec<String>>,
}

/// Everything the layers said about one file.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LayerReport {
    /// The test-only perturbation applied to our output, if any.
    pub perturbation: Option<Perturbation>,
    /// One verdict per layer, in bisection order.
    pub layers: Vec<LayerVerdict>,
    /// Unified diff of CPython's `dis` of both `.pyc`s (`---` CPython, `+++` ours).
    pub dis_diff: Option<String>,
    /// Codegen/CFG stages, when the instruction stream differs.
    pub stages: Option<StagesReport>,
    /// Where our code objects were rendered: `oracle` (CPython's `layers` on our bytes)
    /// or `our dump` (our own renderer, when CPython cannot unmarshal our bytes).
    pub ours_rendered_by: Option<String>,
}

impl LayerReport {
    /// The verdict of one layer.
    pub fn verdict(&self, layer: Layer) -> Option<&LayerVerdict> {
        self.layers.iter().find(|v| v.layer == layer)
    }
}

pub(super) struct Input<'a> {
    pub source: &'a [u8],
    pub filename: &'a str,
    pub optimize: i32,
    pub stages: bool,
    pub ours_pyc: &'a [u8],
    pub theirs_pyc: &'a [u8],
    pub ours_warnings: &'a [WarningInfo],
    pub theirs_warnings: &'a [WarningInfo],
}

pub(super) struct Analysis {
    pub layer: Layer,
    pub code_path: Option<String>,
    pub detail: String,
    pub signature: String,
    pub report: LayerReport,
}

/// The largest `dis` diff kept in a report.
const MAX_DIS_DIFF: usize = 256 * 1024;

/// `code_objects` of a `layers` result.
pub(super) fn code_objects(layers: &Value) -> &[Value] {
    layers["code_objects"]
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or_default()
}

/// `co_flags` of the code object at `path` (0 if unknown).
pub(super) fn flags_of(layers: &Value, path: &str) -> i64 {
    code_objects(layers)
        .iter()
        .find(|c| c["path"] == path)
        .and_then(|c| c["fields"]["co_flags"].as_i64())
        .unwrap_or(0)
}

fn header_verdict(ours: &[u8], theirs: &[u8]) -> LayerVerdict {
    let (a, b) = (&ours[..ours.len().min(16)], &theirs[..theirs.len().min(16)]);
    if a == b {
        return LayerVerdict {
            layer: Layer::Header,
            status: Status::Same,
            summary: "identical 16-byte headers".into(),
            details: Vec::new(),
        };
    }
    let names = [
        "magic", "magic", "magic", "magic", "flags", "flags", "flags", "flags",
    ];
    let at = super::first_difference(a, b);
    let field = names
        .get(at)
        .copied()
        .unwrap_or("mtime/size or source hash");
    LayerVerdict {
        layer: Layer::Header,
        status: Status::Differs,
        summary: format!("headers differ at byte {at} ({field})"),
        details: vec![
            format!("ours:    {}", hex(a)),
            format!("CPython: {}", hex(b)),
        ],
    }
}

pub(crate) fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

fn warnings_verdict(ours: &[WarningInfo], theirs: &[WarningInfo]) -> (LayerVerdict, String) {
    let render = |w: &WarningInfo| format!("line {}: {}: {}", w.lineno, w.category, w.message);
    if ours == theirs {
        return (
            LayerVerdict {
                layer: Layer::Warnings,
                status: Status::Same,
                summary: format!("{} identical warnings", ours.len()),
                details: Vec::new(),
            },
            String::new(),
        );
    }
    let i = ours.iter().zip(theirs).take_while(|(a, b)| a == b).count();
    let (summary, sig) = match (ours.get(i), theirs.get(i)) {
        (Some(a), Some(b)) => {
            let what = if a.category != b.category {
                "category"
            } else if a.message != b.message {
                "message"
            } else {
                "lineno"
            };
            (
                format!(
                    "warning {i} differs: ours {}; CPython {}",
                    render(a),
                    render(b)
                ),
                format!("warnings:{}:{what}", b.category),
            )
        }
        (None, Some(b)) => (
            format!("ours lacks CPython's warning {}", render(b)),
            format!("warnings:{}:missing", b.category),
        ),
        (Some(a), None) => (
            format!("ours emits an extra warning {}", render(a)),
            format!("warnings:{}:extra", a.category),
        ),
        (None, None) => ("warnings differ".into(), "warnings:other".into()),
    };
    let mut details: Vec<String> = ours
        .iter()
        .map(|w| format!("ours:    {}", render(w)))
        .collect();
    details.extend(theirs.iter().map(|w| format!("CPython: {}", render(w))));
    (
        LayerVerdict {
            layer: Layer::Warnings,
            status: Status::Differs,
            summary,
            details,
        },
        sig,
    )
}

fn unavailable(layer: Layer, why: &str) -> LayerVerdict {
    LayerVerdict {
        layer,
        status: Status::Unavailable,
        summary: why.to_owned(),
        details: Vec::new(),
    }
}

/// Renders our bytes: CPython's `layers` when it can unmarshal them, else our own dump
/// (`None` if that fails too) together with CPython's complaint.
fn render_ours(pool: &Pool, pyc: &[u8]) -> Result<(Option<Value>, Option<String>), OracleError> {
    match pool.call(&Request::Layers {
        data: pyc.to_vec(),
        header: true,
    }) {
        Ok(v) => Ok((Some(v), None)),
        Err(OracleError::Request { kind, message, .. }) if kind == "unmarshal" => Ok((
            pyc_compiler::dump::dump_layers(pyc, true).ok(),
            Some(message),
        )),
        Err(e) => Err(e),
    }
}

fn same_values(layer: Layer) -> LayerVerdict {
    LayerVerdict {
        layer,
        status: Status::Same,
        summary: "same values (the canonical marshal forms are equal)".into(),
        details: Vec::new(),
    }
}

/// Bisects a difference between our pyc and CPython's (both compiled).
pub(super) fn analyze(pool: &Pool, input: &Input<'_>) -> Result<Analysis, OracleError> {
    let mut report = LayerReport::default();
    let header = header_verdict(input.ours_pyc, input.theirs_pyc);
    let header_differs = header.status == Status::Differs;
    report.layers.push(header);
    let (warn_verdict, warn_sig) = warnings_verdict(input.ours_warnings, input.theirs_warnings);
    let bodies_equal = input.ours_pyc.get(16..) == input.theirs_pyc.get(16..);

    if bodies_equal {
        // Nothing below the header can differ.
        for layer in [
            Layer::Marshal,
            Layer::Fields,
            Layer::Instructions,
            Layer::Dis,
        ] {
            report.layers.push(LayerVerdict {
                layer,
                status: Status::Same,
                summary: "identical marshal bodies".into(),
                details: Vec::new(),
            });
        }
        let warn_summary = warn_verdict.summary.clone();
        report.layers.push(warn_verdict);
        let (layer, detail, signature) = if header_differs {
            let v = &report.layers[0];
            (Layer::Header, v.summary.clone(), "header:bytes".to_owned())
        } else {
            (Layer::Warnings, warn_summary, warn_sig)
        };
        return Ok(Analysis {
            layer,
            code_path: None,
            detail,
            signature,
            report,
        });
    }

    let (ours, theirs) = (input.ours_pyc, input.theirs_pyc);
    let (ref_only, reader_error) = marshal::canonical_equal(ours, theirs);
    let kind_of_flags = |layers: Option<&Value>, path: &str| {
        code_kind(path, layers.map_or(0, |l| flags_of(l, path)))
    };
    if ref_only {
        // Equal values: only the walks can say more; no `layers` needed.
        let m = marshal::analyze(pool, ours, theirs, true, reader_error.as_ref())?;
        if m.unmarshal_error.is_none() {
            report.layers.push(m.verdict.clone());
            for layer in [Layer::Fields, Layer::Instructions, Layer::Dis] {
                report.layers.push(same_values(layer));
            }
            report.layers.push(warn_verdict);
            let nd = m.node_diff.as_ref();
            // co_flags for the code-object kind, from our own (exact) rendering of
            // CPython's bytes: no `layers` request for a ref-only difference.
            let theirs_dump = pyc_compiler::dump::dump_layers(theirs, true).ok();
            let signature = match nd {
                Some(n) => format!(
                    "marshal:ref-only:{}:{}:{}:{}",
                    kind_of_flags(theirs_dump.as_ref(), &n.code_path),
                    n.field,
                    n.type_code,
                    n.how
                ),
                None => "marshal:ref-only".to_owned(),
            };
            return Ok(Analysis {
                layer: Layer::Marshal,
                code_path: nd.map(|n| n.code_path.clone()),
                detail: m.verdict.summary.clone(),
                signature,
                report,
            });
        }
    }

    let theirs_req = Request::Layers {
        data: theirs.to_vec(),
        header: true,
    };
    let (theirs_layers, ours_rendered) =
        marshal::both(|| pool.call(&theirs_req), || render_ours(pool, ours));
    let theirs_layers = theirs_layers?;
    let (ours_layers, cpython_rejects_ours) = ours_rendered?;
    report.ours_rendered_by = Some(
        if cpython_rejects_ours.is_some() {
            "our dump"
        } else {
            "oracle"
        }
        .to_owned(),
    );
    let field_diffs = ours_layers
        .as_ref()
        .map(|o| fields::compare(o, &theirs_layers));
    let instr_diffs = ours_layers
        .as_ref()
        .map(|o| instructions::compare(o, &theirs_layers));
    let located = field_diffs.as_ref().is_some_and(|d| !d.is_empty());
    let mut m = if cpython_rejects_ours.is_none() && located {
        marshal::structural_without_walk(ours, theirs, reader_error.as_ref())
    } else {
        marshal::analyze(pool, ours, theirs, false, reader_error.as_ref())?
    };
    if m.unmarshal_error.is_none()
        && let Some(e) = &cpython_rejects_ours
    {
        m.unmarshal_error = Some(e.clone());
        m.verdict.summary = format!("our bytes do not unmarshal: {e}");
    }
    report.layers.push(m.verdict.clone());
    report.layers.push(match &field_diffs {
        Some(d) => fields::verdict(d),
        None => unavailable(Layer::Fields, "our bytes cannot be rendered"),
    });
    report.layers.push(match &instr_diffs {
        Some(d) => instructions::verdict(d),
        None => unavailable(Layer::Instructions, "our bytes cannot be rendered"),
    });
    let by_our_dump = report.ours_rendered_by.as_deref() == Some("our dump");
    if by_our_dump {
        report.layers.push(unavailable(
            Layer::Dis,
            "CPython cannot disassemble our bytes (our own dump's dis text is approximate: not compared)",
        ));
    } else if let Some(o) = &ours_layers {
        let (a, b) = (
            theirs_layers["dis"].as_str().unwrap_or_default(),
            o["dis"].as_str().unwrap_or_default(),
        );
        let status = if a == b {
            Status::Same
        } else {
            Status::Differs
        };
        let mut diff = similar::TextDiff::from_lines(a, b)
            .unified_diff()
            .context_radius(3)
            .header("cpython", "ours")
            .to_string();
        if diff.len() > MAX_DIS_DIFF {
            let mut cut = MAX_DIS_DIFF;
            while !diff.is_char_boundary(cut) {
                cut -= 1;
            }
            diff.truncate(cut);
            diff.push_str("\n[... dis diff truncated ...]\n");
        }
        let changed = diff
            .lines()
            .filter(|l| {
                (l.starts_with('+') && !l.starts_with("+++"))
                    || (l.starts_with('-') && !l.starts_with("---"))
            })
            .count();
        report.layers.push(LayerVerdict {
            layer: Layer::Dis,
            status,
            summary: if status == Status::Same {
                "identical dis text".into()
            } else {
                format!("{changed} changed dis lines (see the unified diff)")
            },
            details: Vec::new(),
        });
        if status == Status::Differs {
            report.dis_diff = Some(diff);
        }
    } else {
        report
            .layers
            .push(unavailable(Layer::Dis, "our bytes cannot be rendered"));
    }
    report.layers.push(warn_verdict);

    let kind_of = |path: &str| code_kind(path, flags_of(&theirs_layers, path));
    // Decide the first layer that explains the difference.
    let (layer, code_path, detail, signature) = if let Some(err) = &m.unmarshal_error {
        (
            Layer::Marshal,
            None,
            format!("our bytes do not unmarshal in CPython: {err}"),
            format!(
                "marshal:unmarshal:{}",
                crate::outcome::normalize_message(err)
            ),
        )
    } else if let Some(first) = field_diffs.as_ref().and_then(|d| d.first()) {
        if first.field == "co_code" {
            let idiff = instr_diffs
                .as_ref()
                .and_then(|d| d.iter().find(|x| x.path == first.path));
            match idiff {
                Some(i) => (
                    Layer::Instructions,
                    Some(i.path.clone()),
                    i.detail.clone(),
                    format!("instructions:{}:{}", kind_of(&i.path), i.sub),
                ),
                None => (
                    Layer::Instructions,
                    Some(first.path.clone()),
                    "co_code differs but the decoded instructions are equal (inline caches)".into(),
                    format!("instructions:{}:caches", kind_of(&first.path)),
                ),
            }
        } else {
            (
                Layer::Fields,
                Some(first.path.clone()),
                first.detail.clone(),
                format!(
                    "fields:{}:{}:{}",
                    kind_of(&first.path),
                    first.field,
                    first.sub
                ),
            )
        }
    } else {
        let nd = m.node_diff.as_ref();
        let sig = match nd {
            Some(n) => format!(
                "marshal:structural:{}:{}:{}",
                kind_of(&n.code_path),
                n.field,
                n.how
            ),
            None => "marshal:structural".to_owned(),
        };
        (
            Layer::Marshal,
            nd.map(|n| n.code_path.clone()),
            m.verdict.summary.clone(),
            sig,
        )
    };
    if layer == Layer::Instructions && input.stages {
        report.stages = code_path
            .as_deref()
            .map(|p| stages::report(pool, input.source, input.filename, input.optimize, p));
    }
    Ok(Analysis {
        layer,
        code_path,
        detail,
        signature,
        report,
    })
}
