//! **For tests only**: hooks that perturb *our* `.pyc` in one precise way, so that the
//! tests can prove each comparison layer detects and names its own kind of difference.
//!
//! Every perturbation reads our pyc body into a `pyc_marshal::Graph`, changes exactly one
//! thing in the top-level code object (or in the object graph) and writes it back with
//! the normal marshal writer, keeping the pyc header. Nothing here is used by a normal
//! `diff` or `run`; the hooks are reached through [`crate::compare::TestHooks`].

use pyc_bytecode::{Opcode, OpcodeKind};
use pyc_marshal::{CodeFields, Graph, NodeId, PyInt, PyStr, Value};
use serde::{Deserialize, Serialize};

/// One deliberate change to our output.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Perturbation {
    /// Replace the opcode of the first instruction (after `RESUME`) that has a
    /// look-alike — another real opcode with the same flags and the same number of
    /// inline caches — by that look-alike. Expected: layer `instructions`, naming both
    /// opcodes.
    Instruction,
    /// Change the value of the first int/str/float/bytes constant of the module
    /// (`+1`, appended `_`, next float, appended byte). Expected: layer `fields`,
    /// field `co_consts`.
    Constant,
    /// Give the first object the writer would *not* flag one extra reference, so that it
    /// is written with FLAG_REF (and every later ref index shifts). The values are
    /// unchanged. Expected: layer `marshal`, ref-only.
    FlagRef,
    /// Flip the lowest bit of the last byte of the module's first short or one-line
    /// `co_linetable` entry (a column), keeping the table well-formed. Expected: layer
    /// `fields`, field `co_linetable`.
    LinetableByte,
    /// Append one byte after the marshalled code object. CPython's marshal walk rejects
    /// trailing data, our reader ignores it. Expected: layer `marshal`, "our bytes do
    /// not unmarshal", with our code objects rendered by our own dump.
    TrailingByte,
}

impl Perturbation {
    /// All perturbations.
    pub const ALL: [Perturbation; 5] = [
        Perturbation::Instruction,
        Perturbation::Constant,
        Perturbation::FlagRef,
        Perturbation::LinetableByte,
        Perturbation::TrailingByte,
    ];
}

/// Why a perturbation could not be applied.
#[derive(Debug, Clone, thiserror::Error)]
pub enum PerturbError {
    /// Our bytes are not a readable pyc.
    #[error("cannot read our pyc: {0}")]
    Read(String),
    /// Nothing in the module to apply it to (e.g. no constant).
    #[error("nothing to perturb: {0}")]
    NoTarget(&'static str),
    /// The changed graph cannot be written.
    #[error("cannot write the perturbed pyc: {0}")]
    Write(String),
}

/// Applies `p` to a complete pyc (16-byte header + body); returns the new pyc and a
/// description of the change.
pub fn apply(pyc: &[u8], p: Perturbation) -> Result<(Vec<u8>, String), PerturbError> {
    if pyc.len() < 16 {
        return Err(PerturbError::Read("shorter than a pyc header".into()));
    }
    if p == Perturbation::TrailingByte {
        let mut out = pyc.to_vec();
        out.push(b'N');
        return Ok((out, "one byte (N) appended after the root object".into()));
    }
    let (header, body) = pyc.split_at(16);
    let (mut graph, root) =
        pyc_marshal::read(body).map_err(|e| PerturbError::Read(e.to_string()))?;
    let fields = match graph.get(root).map(|n| &n.value) {
        Some(Value::Code(c)) => (**c).clone(),
        _ => return Err(PerturbError::Read("root is not a code object".into())),
    };
    let what = match p {
        Perturbation::Instruction => instruction(&mut graph, &fields)?,
        Perturbation::Constant => constant(&mut graph, &fields)?,
        Perturbation::FlagRef => flag_ref(&mut graph, root)?,
        Perturbation::LinetableByte => linetable(&mut graph, &fields)?,
        Perturbation::TrailingByte => unreachable_trailing(),
    };
    let body = pyc_marshal::write(&graph, root).map_err(|e| PerturbError::Write(e.to_string()))?;
    let mut out = header.to_vec();
    out.extend_from_slice(&body);
    Ok((out, what))
}

fn unreachable_trailing() -> String {
    // Handled before the graph is read.
    String::new()
}

fn bytes_mut(graph: &mut Graph, id: NodeId) -> Option<&mut Vec<u8>> {
    match graph.get_mut(id).map(|n| &mut n.value) {
        Some(Value::Bytes(b)) => Some(b),
        _ => None,
    }
}

/// A real opcode that `dis` decodes exactly like `op` (same flags, same caches).
fn look_alike(op: Opcode) -> Option<Opcode> {
    let info = op.info();
    Opcode::all().find(|o| {
        let i = o.info();
        *o != op
            && i.kind == OpcodeKind::Real
            && o.value() < 256
            && i.flags == info.flags
            && i.cache_entries == info.cache_entries
            && !matches!(i.name, "CACHE" | "RESERVED" | "EXTENDED_ARG" | "RESUME")
    })
}

fn instruction(graph: &mut Graph, fields: &CodeFields) -> Result<String, PerturbError> {
    let code = bytes_mut(graph, fields.code).ok_or(PerturbError::NoTarget("no co_code"))?;
    let mut i = 0;
    while i + 1 < code.len() {
        let Some(op) = Opcode::from_u16(u16::from(code[i])) else {
            break;
        };
        let caches = usize::from(op.info().cache_entries);
        if !matches!(op.name(), "RESUME" | "EXTENDED_ARG" | "CACHE")
            && let Some(other) = look_alike(op)
            && let Some(b) = other.as_u8()
        {
            code[i] = b;
            return Ok(format!(
                "instruction at byte offset {i}: {} replaced by {}",
                op.name(),
                other.name()
            ));
        }
        i += 2 * (1 + caches);
    }
    Err(PerturbError::NoTarget(
        "no instruction with a look-alike opcode",
    ))
}

fn constant(graph: &mut Graph, fields: &CodeFields) -> Result<String, PerturbError> {
    let items = match graph.get(fields.consts).map(|n| &n.value) {
        Some(Value::Tuple(items)) => items.clone(),
        _ => return Err(PerturbError::NoTarget("co_consts is not a tuple")),
    };
    for (index, id) in items.into_iter().enumerate() {
        let Some(node) = graph.get_mut(id) else {
            continue;
        };
        let changed = match &mut node.value {
            Value::Int(v) => match v.as_i64() {
                Some(x) => {
                    let y = if x == i64::MAX { x - 1 } else { x + 1 };
                    *v = PyInt::from(y);
                    Some(format!("int {x} -> {y}"))
                }
                None => None,
            },
            Value::Str { value, .. } => {
                let before = value.to_string_lossy().into_owned();
                let mut s = PyStr::from(before.as_str());
                s.push_str("_");
                *value = s;
                Some(format!("str {before:?} -> {before:?} + '_'"))
            }
            Value::Float(bits) => {
                *bits ^= 1;
                Some("float: lowest mantissa bit flipped".to_owned())
            }
            Value::Bytes(b) => {
                b.push(b'_');
                Some("bytes: b'_' appended".to_owned())
            }
            _ => None,
        };
        if let Some(what) = changed {
            return Ok(format!("co_consts[{index}]: {what}"));
        }
    }
    Err(PerturbError::NoTarget("no int/str/float/bytes constant"))
}

fn flag_ref(graph: &mut Graph, root: NodeId) -> Result<String, PerturbError> {
    let refcounts = graph.refcounts(root);
    for id in graph.reachable(root) {
        if graph[id].value.is_single_byte() || graph.will_flag(id, &refcounts) {
            continue;
        }
        let ty = graph[id].value.type_name();
        graph[id].extra_refs += 1;
        return Ok(format!(
            "one extra reference to a {ty} object (now written with FLAG_REF)"
        ));
    }
    Err(PerturbError::NoTarget("every object is already flagged"))
}

fn linetable(graph: &mut Graph, fields: &CodeFields) -> Result<String, PerturbError> {
    let table =
        bytes_mut(graph, fields.linetable).ok_or(PerturbError::NoTarget("no co_linetable"))?;
    let mut i = 0;
    while i < table.len() {
        let code = (table[i] >> 3) & 15;
        // Entry length: the first byte, then the code's payload.
        let start = i;
        i += 1;
        let payload_end = match code {
            0..=9 => Some(i + 1),
            10..=12 => Some(i + 2),
            _ => None,
        };
        if let Some(end) = payload_end
            && end <= table.len()
        {
            table[end - 1] ^= 1;
            return Ok(format!(
                "co_linetable byte {} (entry at byte {start}, code {code}): lowest bit flipped",
                end - 1
            ));
        }
        // Skip the varints of a no-column / long / none entry up to the next entry start.
        while i < table.len() && table[i] & 0x80 == 0 {
            i += 1;
        }
    }
    Err(PerturbError::NoTarget(
        "no short or one-line linetable entry",
    ))
}
