//! The marshal layer: the first differing byte, the oracle's marshal-ref walk of both
//! sides around it, and the ref-only vs structural distinction (equal once FLAG_REF is
//! cleared and refs are inlined, i.e. `pyc_marshal::canonical`, means an object
//! identity / interning difference).

use std::collections::HashMap;

use pyc_oracle::{OracleError, Pool, Request};
use serde_json::Value;

use super::layers::{LayerVerdict, Status};
use crate::outcome::Layer;

/// The walk nodes where the two streams part, located in the object graph.
#[derive(Debug, Clone)]
pub(super) struct NodeDiff {
    /// Path of the enclosing code object.
    pub code_path: String,
    /// The code-object field the node lives in (`co_consts`, ...), or `code` for a code
    /// object itself.
    pub field: String,
    /// The object's type (`tuple`, `interned-str`, ...; for a ref, what the other side
    /// wrote).
    pub type_code: String,
    /// Normalized kind: `extra-flag`, `missing-flag`, `ref-instead-of-copy`,
    /// `copy-instead-of-ref`, `ref-target`, `type:X!=Y`, `value:X`.
    pub how: String,
}

pub(super) struct MarshalResult {
    pub verdict: LayerVerdict,
    pub unmarshal_error: Option<String>,
    pub node_diff: Option<NodeDiff>,
}

/// One node of a walk, located.
#[derive(Debug, Clone)]
struct Node {
    offset: i64,
    end: i64,
    ty: String,
    flag: bool,
    ref_index: Option<i64>,
    ref_target: Option<i64>,
    summary: String,
    code_path: String,
    field: String,
    location: String,
}

impl Node {
    fn render(&self) -> String {
        let refs = match (self.ref_index, self.ref_target) {
            (_, Some(t)) => format!(" -> ref {t}"),
            (Some(i), None) => format!(" #{i}"),
            (None, None) => String::new(),
        };
        format!(
            "@{:<6} {}{}{refs}  {}  {}",
            self.offset,
            self.ty,
            if self.flag { "+FLAG_REF" } else { "" },
            self.location,
            self.summary
        )
    }
}

struct Frame {
    end: i64,
    is_code: bool,
    label: String,
    code_path: String,
    field: String,
    next_child: usize,
    siblings: HashMap<String, usize>,
}

/// Locates every node of a `marshal_refs` walk: enclosing code-object path (named as in
/// the `layers` request), field, and a breadcrumb like `<module>.co_consts[2][0]`.
fn locate(walk: &Value) -> Vec<Node> {
    let mut out = Vec::new();
    let mut stack: Vec<Frame> = Vec::new();
    let nodes = walk["nodes"]
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or_default();
    for n in nodes {
        let offset = n["offset"].as_i64().unwrap_or(0);
        let end = n["end_offset"].as_i64().unwrap_or(offset);
        let ty = n["type"].as_str().unwrap_or("?").to_owned();
        let summary = n["summary"].as_str().unwrap_or_default().to_owned();
        while stack.last().is_some_and(|f| f.end <= offset) {
            stack.pop();
        }
        let (mut label, code_path, field) = match stack.last_mut() {
            None => (String::new(), String::new(), String::new()),
            Some(f) if f.is_code => {
                let field = n["field"].as_str().unwrap_or("?").to_owned();
                (format!("{}.{field}", f.label), f.code_path.clone(), field)
            }
            Some(f) => {
                let i = f.next_child;
                f.next_child += 1;
                (
                    format!("{}[{i}]", f.label),
                    f.code_path.clone(),
                    f.field.clone(),
                )
            }
        };
        let mut node_path = code_path.clone();
        let mut node_field = field.clone();
        let is_code = ty == "c";
        if is_code {
            let name = summary.strip_prefix("code ").unwrap_or("?").to_owned();
            let parent = stack.iter_mut().rev().find(|f| f.is_code);
            node_path = match parent {
                None => name,
                Some(p) => {
                    let k = p.siblings.entry(name.clone()).or_insert(0);
                    *k += 1;
                    if *k == 1 {
                        format!("{}/{name}", p.code_path)
                    } else {
                        format!("{}/{name}#{k}", p.code_path)
                    }
                }
            };
            label = node_path.clone();
            node_field = "code".to_owned();
        }
        out.push(Node {
            offset,
            end,
            ty,
            flag: n["flag_ref"].as_bool().unwrap_or(false),
            ref_index: n["ref_index"].as_i64(),
            ref_target: n["ref_target"].as_i64(),
            summary,
            code_path: node_path.clone(),
            field: node_field.clone(),
            location: label.clone(),
        });
        stack.push(Frame {
            end,
            is_code,
            label,
            code_path: node_path,
            field: node_field,
            next_child: 0,
            siblings: HashMap::new(),
        });
    }
    out
}

/// Index of the deepest node whose extent contains `offset`.
fn node_at(nodes: &[Node], offset: i64) -> Option<usize> {
    nodes
        .iter()
        .enumerate()
        .rev()
        .find(|(_, n)| n.offset <= offset && offset < n.end)
        .map(|(i, _)| i)
}

fn window(side: &str, nodes: &[Node], at: usize) -> Vec<String> {
    let lo = at.saturating_sub(4);
    let hi = (at + 5).min(nodes.len());
    let mut out = vec![format!("{side} walk:")];
    for (k, n) in nodes.iter().enumerate().take(hi).skip(lo) {
        let mark = if k == at { ">>" } else { "  " };
        out.push(format!("  {mark} {}", n.render()));
    }
    out
}

fn walk(pool: &Pool, pyc: &[u8]) -> Result<Result<Value, String>, OracleError> {
    match pool.call(&Request::MarshalRefs {
        data: pyc.to_vec(),
        header: true,
    }) {
        Ok(v) => Ok(Ok(v)),
        Err(OracleError::Request {
            kind,
            message,
            extra,
            ..
        }) if kind == "unmarshal" => {
            let at = extra
                .get("offset")
                .and_then(Value::as_i64)
                .map(|o| format!(" at byte {o}"))
                .unwrap_or_default();
            Ok(Err(format!("{message}{at}")))
        }
        Err(e) => Err(e),
    }
}

/// A readable name for a marshal type code (interned strings are told apart).
fn type_name(code: &str) -> String {
    match code {
        "c" => "code",
        "s" => "bytes",
        ")" | "(" => "tuple",
        "[" => "list",
        "{" => "dict",
        "<" => "set",
        ">" => "frozenset",
        "i" | "I" | "l" => "int",
        "g" | "f" => "float",
        "y" | "x" => "complex",
        ":" => "slice",
        "z" | "a" | "u" => "str",
        "Z" | "A" | "t" => "interned-str",
        "r" => "ref",
        other => return format!("type-{other}"),
    }
    .to_owned()
}

/// How two nodes at the same walk position differ, for a ref-only difference.
fn ref_how(o: &Node, t: &Node) -> (String, String) {
    let ty = if o.ty == "r" { &t.ty } else { &o.ty };
    let how = if o.ty == "r" && t.ty != "r" {
        "ref-instead-of-copy"
    } else if t.ty == "r" && o.ty != "r" {
        "copy-instead-of-ref"
    } else if o.flag && !t.flag {
        "extra-flag"
    } else if t.flag && !o.flag {
        "missing-flag"
    } else if o.ref_target != t.ref_target {
        "ref-target"
    } else {
        "other"
    };
    (type_name(ty), how.to_owned())
}

/// Runs two closures at once (two oracle requests on two workers).
pub(super) fn both<A: Send, B: Send>(
    a: impl FnOnce() -> A + Send,
    b: impl FnOnce() -> B + Send,
) -> (A, B) {
    std::thread::scope(|s| {
        let h = s.spawn(a);
        let y = b();
        let x = match h.join() {
            Ok(x) => x,
            Err(p) => std::panic::resume_unwind(p),
        };
        (x, y)
    })
}

fn body(b: &[u8]) -> &[u8] {
    b.get(16..).unwrap_or_default()
}

/// Whether the two bodies are equal once FLAG_REF is cleared and refs are inlined
/// (`pyc_marshal::canonical`), and our reader's complaint about our body, if any.
pub(super) fn canonical_equal(ours: &[u8], theirs: &[u8]) -> (bool, Option<String>) {
    let canon_o = pyc_marshal::canonical(body(ours));
    let canon_t = pyc_marshal::canonical(body(theirs));
    let equal = matches!((&canon_o, &canon_t), (Ok(a), Ok(b)) if a == b);
    (equal, canon_o.err().map(|e| e.to_string()))
}

fn header_line(ours: &[u8], theirs: &[u8], reader_error: Option<&String>) -> Vec<String> {
    let off = super::first_difference(ours, theirs);
    let mut details = vec![format!(
        "first differing byte: {off} (ours {} bytes, CPython {} bytes)",
        ours.len(),
        theirs.len()
    )];
    if let Some(e) = reader_error {
        details.push(format!("our marshal reader rejects our body: {e}"));
    }
    details
}

/// The marshal verdict when a decoded layer already locates a structural difference:
/// no walk (it costs two oracle requests over the whole stream).
pub(super) fn structural_without_walk(
    ours: &[u8],
    theirs: &[u8],
    reader_error: Option<&String>,
) -> MarshalResult {
    let off = super::first_difference(ours, theirs);
    MarshalResult {
        verdict: LayerVerdict {
            layer: Layer::Marshal,
            status: Status::Differs,
            summary: format!(
                "structural difference from byte {off} (located by the decoded layers below)"
            ),
            details: header_line(ours, theirs, reader_error),
        },
        unmarshal_error: None,
        node_diff: None,
    }
}

/// The full marshal analysis with the oracle's `marshal_refs` walk of both sides.
pub(super) fn analyze(
    pool: &Pool,
    ours: &[u8],
    theirs: &[u8],
    ref_only: bool,
    reader_error: Option<&String>,
) -> Result<MarshalResult, OracleError> {
    let off = super::first_difference(ours, theirs);
    let (ours_walk, theirs_walk) = both(|| walk(pool, ours), || walk(pool, theirs));
    let (ours_walk, theirs_walk) = (ours_walk?, theirs_walk?);
    let mut details = header_line(ours, theirs, reader_error);
    let (o_nodes, t_nodes) = match (&ours_walk, &theirs_walk) {
        (Ok(o), Ok(t)) => (locate(o), locate(t)),
        (Err(e), _) => {
            details.push(format!("CPython's marshal walk rejects our bytes: {e}"));
            let t_nodes = theirs_walk.as_ref().map(locate).unwrap_or_default();
            if let Some(k) = node_at(&t_nodes, off as i64) {
                details.extend(window("CPython", &t_nodes, k));
            }
            return Ok(MarshalResult {
                verdict: LayerVerdict {
                    layer: Layer::Marshal,
                    status: Status::Differs,
                    summary: format!("our bytes do not unmarshal: {e}"),
                    details,
                },
                unmarshal_error: Some(e.clone()),
                node_diff: None,
            });
        }
        (Ok(_), Err(e)) => {
            details.push(format!(
                "CPython's marshal walk rejects CPython's own bytes: {e}"
            ));
            (Vec::new(), Vec::new())
        }
    };

    // Where the streams part: for a ref-only difference the first node whose type,
    // flag or ref target differs; otherwise the deepest node holding the first
    // differing byte.
    let pair = if ref_only {
        o_nodes
            .iter()
            .zip(&t_nodes)
            .position(|(a, b)| (&a.ty, a.flag, a.ref_target) != (&b.ty, b.flag, b.ref_target))
            .map(|k| (k, k))
    } else {
        node_at(&o_nodes, off as i64).zip(node_at(&t_nodes, off as i64))
    };
    let mut node_diff = None;
    if let Some((ko, kt)) = pair {
        let (o, t) = (&o_nodes[ko], &t_nodes[kt]);
        let (type_code, how) = if ref_only {
            ref_how(o, t)
        } else if o.ty != t.ty {
            (
                type_name(&t.ty),
                format!("type:{}!={}", type_name(&o.ty), type_name(&t.ty)),
            )
        } else if o.flag != t.flag {
            ref_how(o, t)
        } else {
            (type_name(&t.ty), format!("value:{}", type_name(&t.ty)))
        };
        details.push(format!("ours:    {}", o.render()));
        details.push(format!("CPython: {}", t.render()));
        details.extend(window("CPython", &t_nodes, kt));
        details.extend(window("ours", &o_nodes, ko));
        node_diff = Some(NodeDiff {
            code_path: t.code_path.clone(),
            field: t.field.clone(),
            type_code,
            how,
        });
    }
    let summary = match (&node_diff, ref_only) {
        (Some(n), true) => format!(
            "ref-only difference (equal once FLAG_REF is cleared and refs are inlined: object identity/interning) at {}: {} {}",
            n.code_path, n.field, n.how
        ),
        (None, true) => "ref-only difference (object identity/interning)".to_owned(),
        (Some(n), false) => format!(
            "structural difference from byte {off} in {} {} ({})",
            n.code_path, n.field, n.how
        ),
        (None, false) => format!("structural difference from byte {off}"),
    };
    Ok(MarshalResult {
        verdict: LayerVerdict {
            layer: Layer::Marshal,
            status: Status::Differs,
            summary,
            details,
        },
        unmarshal_error: None,
        node_diff,
    })
}
