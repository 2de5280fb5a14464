//! The per-input checks of the three targets and their findings' reports.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use pyc_oracle::{MarshalRoundtrip, Pool};

use super::marshal_gen::{as_loaded, generate_marshal_case};
use super::{FuzzContext, FuzzError, Target, generate_source, io_error};
use crate::compare::{CompareOptions, FileRecord, TestHooks, compare_source, first_difference};
use crate::outcome::{CompilerErrorKind, Outcome};
use crate::render::{Style, render_markdown, render_text};
use crate::report::{SIGNATURE_REPORT_SCHEMA, SignatureReport};
use crate::summary::signature_dir;
use crate::write_atomic;

/// What one input did.
#[derive(Debug)]
pub enum Verdict {
    /// Both sides agree.
    Parity,
    /// Not comparable (e.g. "not supported yet" with features the compiler lacks); why.
    Skipped(String),
    /// The oracle failed (timeout, crashed worker): infrastructure, not a finding.
    OracleError(String),
    /// A known mismatch (listed in `corpus/known-mismatches.txt`): its signature.
    Known(String),
    /// A finding.
    Finding(Box<Finding>),
}

/// A finding with its report.
#[derive(Debug)]
pub struct Finding {
    /// The target.
    pub target: Target,
    /// The normalized signature (`pyc_diff:` / `pyc_source:` / `marshal_roundtrip:`
    /// prefix, then the harness's signature or the marshal check's).
    pub signature: String,
    /// The layered report, for a terminal.
    pub text: String,
    /// The same in Markdown.
    pub markdown: String,
    /// `report.json`.
    pub json: serde_json::Value,
    /// The Python source (`source.py`) or the marshal bytes (`input.marshal`).
    pub input: Vec<u8>,
    /// The harness record, for source targets.
    pub record: Option<FileRecord>,
}

impl Finding {
    /// Its report folder under `dir`: `DIR/<signature-slug>-<hash>` (one per signature).
    pub fn folder(&self, dir: &Path) -> PathBuf {
        let sub = signature_dir(&self.signature);
        dir.join(sub.trim_start_matches("signatures/"))
    }

    /// Writes `DIR/<signature-slug>-<hash>/{report.md, report.json, source.py or
    /// input.marshal}` atomically and returns the folder.
    pub fn write(&self, dir: &Path) -> Result<PathBuf, FuzzError> {
        let folder = self.folder(dir);
        std::fs::create_dir_all(&folder).map_err(io_error(&folder))?;
        let input_name = if self.target == Target::MarshalRoundtrip {
            "input.marshal"
        } else {
            "source.py"
        };
        let p = folder.join(input_name);
        write_atomic(&p, &self.input).map_err(io_error(&p))?;
        let p = folder.join("report.md");
        write_atomic(&p, self.markdown.as_bytes()).map_err(io_error(&p))?;
        let p = folder.join("report.json");
        let json = serde_json::to_string_pretty(&self.json).unwrap_or_default();
        write_atomic(&p, json.as_bytes()).map_err(io_error(&p))?;
        Ok(folder)
    }
}

/// Compares one source like a corpus run does (`stages`: ask for the codegen/CFG
/// stages on an instruction difference).
pub(crate) fn compare(
    pool: &Pool,
    source: &[u8],
    name: &str,
    stages: bool,
    hooks: &TestHooks,
) -> FileRecord {
    compare_source(
        pool,
        source,
        name,
        &CompareOptions {
            stages,
            hooks: hooks.clone(),
            slices: false,
            overlap_oracle: true,
            ..CompareOptions::default()
        },
    )
}

/// Runs one input of `target`: never panics on any input.
pub fn run_target(ctx: &FuzzContext, target: Target, data: &[u8]) -> Verdict {
    match target {
        Target::PycDiff => {
            let source = generate_source(data, ctx.settings.features, ctx.settings.limits);
            source_verdict(ctx, target, source)
        }
        Target::PycSource => source_verdict(ctx, target, data.to_vec()),
        Target::MarshalRoundtrip => marshal_verdict(ctx, data),
    }
}

const FUZZ_NAME: &str = "<fuzz>.py";

fn source_verdict(ctx: &FuzzContext, target: Target, source: Vec<u8>) -> Verdict {
    // Cheap first: no stages; the full analysis only for a finding.
    let hooks = &ctx.settings.hooks;
    let record = compare(&ctx.pool, &source, FUZZ_NAME, false, hooks);
    let finding = match &record.outcome {
        Outcome::Match | Outcome::BothRejected { .. } => return Verdict::Parity,
        Outcome::Poisoned { detail } => return Verdict::Skipped(format!("poisoned: {detail}")),
        Outcome::OracleError { message } => return Verdict::OracleError(message.clone()),
        Outcome::CompilerError {
            kind: CompilerErrorKind::NotSupported,
            reason,
            ..
        } => {
            // A finding only when the generator was limited to supported constructs.
            if !(target == Target::PycDiff && ctx.settings.features.all_supported()) {
                return Verdict::Skipped(reason.clone());
            }
            true
        }
        Outcome::CompilerError { .. } | Outcome::RejectMismatch { .. } => true,
        // pyc_source checks accept/reject and robustness; byte parity is pyc_diff's job.
        Outcome::Mismatch { .. } => target == Target::PycDiff,
    };
    if !finding {
        return Verdict::Skipped(record.outcome.class().to_owned());
    }
    let signature = record
        .signature
        .clone()
        .unwrap_or_else(|| record.outcome.class().to_owned());
    if ctx.settings.is_known(&signature) {
        return Verdict::Known(signature);
    }
    // Again with the stages, for the report.
    let record = if matches!(record.outcome, Outcome::Mismatch { .. }) {
        compare(&ctx.pool, &source, FUZZ_NAME, true, hooks)
    } else {
        record
    };
    Verdict::Finding(Box::new(source_finding(ctx, target, record, source)))
}

fn source_finding(
    ctx: &FuzzContext,
    target: Target,
    mut record: FileRecord,
    source: Vec<u8>,
) -> Finding {
    record.corpus = format!("fuzz:{target}");
    let base = record
        .signature
        .clone()
        .unwrap_or_else(|| record.outcome.class().to_owned());
    let signature = format!("{target}:{base}");
    let mut text = String::new();
    let _ = writeln!(
        text,
        "==== pyc-parity {target} finding: {signature}\n(features: {})",
        ctx.settings.features
    );
    text.push_str(&render_text(&record, Style::new(false)));
    let _ = writeln!(text, "---- source ({} bytes) ----", source.len());
    text.push_str(&String::from_utf8_lossy(&source));
    let files = vec![record.name.clone()];
    let mut markdown = render_markdown(&signature, 1, &files, &record);
    let _ = write!(
        markdown,
        "\n## Input\n\nTarget `{target}`, generator features `{}`. Source (`source.py`):\n\n```python\n{}\n```\n",
        ctx.settings.features,
        String::from_utf8_lossy(&source)
    );
    let mut rep = record.clone();
    let report = rep.report.take().map(|b| *b);
    let sr = SignatureReport {
        schema: SIGNATURE_REPORT_SCHEMA.to_owned(),
        signature: signature.clone(),
        class: record.outcome.class().to_owned(),
        layer: match &record.outcome {
            Outcome::Mismatch { layer, .. } => Some(*layer),
            _ => None,
        },
        count: 1,
        files,
        representative: rep,
        report,
    };
    let mut json = serde_json::to_value(&sr).unwrap_or_default();
    json["fuzz"] = serde_json::json!({
        "target": target.as_str(),
        "features": ctx.settings.features.to_string(),
    });
    Finding {
        target,
        signature,
        text,
        markdown,
        json,
        input: source,
        record: Some(record),
    }
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

fn marshal_verdict(ctx: &FuzzContext, data: &[u8]) -> Verdict {
    let case = generate_marshal_case(data);
    let Ok(ours) = pyc_marshal::write_version(&case.graph, case.root, case.version) else {
        // Not writable at this version (a slice below 5, too deep): nothing to compare.
        return Verdict::Skipped("not writable".into());
    };
    let v = case.version;
    let finding = |kind: &str, detail: String, theirs: Option<&[u8]>| {
        Verdict::Finding(Box::new(marshal_finding(kind, detail, &ours, theirs, v)))
    };
    // Our reader on our bytes: reads, same shape, same bytes again.
    let (g2, r2) = match pyc_marshal::read(&ours) {
        Ok(x) => x,
        Err(e) => {
            return finding(
                "reader-rejects",
                format!("our reader rejects our writer's bytes: {e}"),
                None,
            );
        }
    };
    // Below version 3 the stream has no refs and no interned type codes: identity and
    // interning are not representable, so only the value survives (checked below).
    if v >= 3
        && let Err(e) = case.graph.same_shape(case.root, &g2, r2)
    {
        return finding("reader-shape", format!("read back differently: {e}"), None);
    }
    match pyc_marshal::write_version(&g2, r2, v) {
        Ok(again) if again == ours => {}
        Ok(again) => {
            let at = first_difference(&ours, &again);
            return finding(
                "rewrite-differs",
                format!(
                    "writing what our reader read gives other bytes, first difference at {at}: ours {}",
                    hex(&again)
                ),
                None,
            );
        }
        Err(e) => return finding("rewrite-fails", format!("{e}"), None),
    }
    // CPython's loads + dumps against our writer on the graph CPython loaded.
    let Some((loaded, lroot)) = as_loaded(&g2, r2) else {
        return Verdict::Skipped("code objects are not modelled".into());
    };
    let expected = pyc_marshal::write_version(&loaded, lroot, v);
    let theirs = match ctx.pool.marshal_roundtrip(&ours, v) {
        Ok(s) => s.value,
        Err(e) => return Verdict::OracleError(e.to_string()),
    };
    match (theirs, expected) {
        (MarshalRoundtrip::Ok { dumps, .. }, Ok(exp)) if dumps == exp => Verdict::Parity,
        (MarshalRoundtrip::Ok { dumps, type_name }, Ok(exp)) => {
            let at = first_difference(&exp, &dumps);
            let kind = match (exp.get(at), dumps.get(at)) {
                (Some(a), Some(b)) if a & 0x7f == b & 0x7f => format!(
                    "flag:{}:{}",
                    char::from(a & 0x7f),
                    if a & 0x80 != 0 { "extra" } else { "missing" }
                ),
                (Some(a), Some(b)) => {
                    format!("bytes:{}!={}", char::from(a & 0x7f), char::from(b & 0x7f))
                }
                _ => "length".to_owned(),
            };
            finding(
                &format!("dumps-differs:{kind}"),
                format!(
                    "CPython's dumps of its loads ({type_name}) differs from our writer on the graph CPython loaded, first difference at byte {at}\n  expected (ours) {}\n  CPython         {}",
                    hex(&exp),
                    hex(&dumps)
                ),
                Some(&dumps),
            )
        }
        (MarshalRoundtrip::LoadError { exception }, _) => finding(
            &format!("cpython-rejects:{}", exception.type_name),
            format!(
                "CPython's marshal.loads rejects our bytes: {}: {}",
                exception.type_name, exception.message
            ),
            None,
        ),
        (MarshalRoundtrip::DumpError { .. }, Err(_)) => Verdict::Parity,
        (MarshalRoundtrip::DumpError { exception, .. }, Ok(_)) => finding(
            "cpython-cannot-dump",
            format!(
                "CPython cannot dump what it loaded but we can: {}: {}",
                exception.type_name, exception.message
            ),
            None,
        ),
        (MarshalRoundtrip::Ok { dumps, .. }, Err(e)) => finding(
            "ours-cannot-dump",
            format!("our writer fails on the loaded graph: {e}"),
            Some(&dumps),
        ),
    }
}

fn marshal_finding(
    kind: &str,
    detail: String,
    ours: &[u8],
    theirs: Option<&[u8]>,
    version: u32,
) -> Finding {
    let signature = format!("marshal_roundtrip:{kind}");
    let mut text = String::new();
    let _ = writeln!(
        text,
        "==== pyc-parity marshal_roundtrip finding: {signature}"
    );
    let _ = writeln!(
        text,
        "version {version}; our writer's bytes ({}):",
        ours.len()
    );
    let _ = writeln!(text, "  {}", hex(ours));
    let _ = writeln!(text, "{detail}");
    if let Some(t) = theirs {
        let _ = writeln!(text, "CPython's re-dump ({} bytes)", t.len());
    }
    let markdown = format!(
        "# `{signature}`\n\nMarshal version {version}. Our writer's bytes (`input.marshal` holds them):\n\n```text\n{}\n```\n\n```text\n{detail}\n```\n",
        hex(ours)
    );
    let json = serde_json::json!({
        "schema": "pyc-parity/fuzz-marshal-report/v1",
        "signature": signature,
        "version": version,
        "ours_hex": hex(ours),
        "cpython_hex": theirs.map(hex),
        "detail": detail,
    });
    Finding {
        target: Target::MarshalRoundtrip,
        signature,
        text,
        markdown,
        json,
        input: ours.to_vec(),
        record: None,
    }
}
