//! Our own rendering of a `.pyc`'s code objects in the oracle's `layers` JSON schema
//! (`oracle/PROTOCOL.md`), computed without Python: used by `pycc dump`, and by the
//! harness when our bytes do not unmarshal in CPython.
//!
//! Exact: paths, every field, constants (type, repr, items, bits), decoded line and
//! exception tables, instruction offsets/opcodes/args/positions/jump targets/caches.
//! Approximate: `argrepr` (plain values) and the `dis` text (one line per instruction,
//! not CPython's column layout).

use std::collections::HashMap;

use pyc_ast::{ConstValue, PyInt as AstInt, PyStr as AstStr};
use pyc_bytecode::Opcode;
use pyc_marshal::{Graph, NodeId, Value};
use serde_json::{Value as Json, json};

/// Why a dump failed.
#[derive(Debug, thiserror::Error)]
pub enum DumpError {
    /// The marshal data does not parse.
    #[error("unmarshal failed: {0}")]
    Unmarshal(String),
    /// The pyc header is bad.
    #[error("bad pyc header: {0}")]
    Header(String),
}

const FLAG_NAMES: &[(u32, &str)] = &[
    (0x1, "OPTIMIZED"),
    (0x2, "NEWLOCALS"),
    (0x4, "VARARGS"),
    (0x8, "VARKEYWORDS"),
    (0x10, "NESTED"),
    (0x20, "GENERATOR"),
    (0x40, "NOFREE"),
    (0x80, "COROUTINE"),
    (0x100, "ITERABLE_COROUTINE"),
    (0x200, "ASYNC_GENERATOR"),
    (0x400_0000, "HAS_DOCSTRING"),
    (0x800_0000, "METHOD"),
];

const KIND_NAMES: &[(u8, &str)] = &[
    (0x02, "arg_pos"),
    (0x04, "arg_kw"),
    (0x08, "arg_var"),
    (0x10, "hidden"),
    (0x20, "local"),
    (0x40, "cell"),
    (0x80, "free"),
];

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

fn flag_names(flags: u32) -> Vec<String> {
    (0..32)
        .map(|i| 1u32 << i)
        .filter(|bit| flags & bit != 0)
        .map(|bit| {
            FLAG_NAMES
                .iter()
                .find(|(b, _)| *b == bit)
                .map_or_else(|| format!("0x{bit:x}"), |(_, n)| (*n).to_owned())
        })
        .collect()
}

fn kind_names(kind: u8) -> String {
    let names: Vec<&str> = KIND_NAMES
        .iter()
        .filter(|(b, _)| kind & b != 0)
        .map(|(_, n)| *n)
        .collect();
    if names.is_empty() {
        "0".to_owned()
    } else {
        names.join("|")
    }
}

struct Dumper<'g> {
    g: &'g Graph,
    paths: HashMap<NodeId, String>,
}

impl Dumper<'_> {
    fn value(&self, id: NodeId) -> &Value {
        &self.g[id].value
    }

    fn str_of(&self, id: NodeId) -> String {
        match self.value(id) {
            Value::Str { value, .. } => value.as_str().map_or_else(
                || {
                    value
                        .code_points()
                        .map(|c| char::from_u32(c).unwrap_or('\u{fffd}'))
                        .collect()
                },
                str::to_owned,
            ),
            _ => String::new(),
        }
    }

    fn strs_of(&self, id: NodeId) -> Vec<String> {
        match self.value(id) {
            Value::Tuple(items) => items.iter().map(|&i| self.str_of(i)).collect(),
            _ => Vec::new(),
        }
    }

    fn bytes_of(&self, id: NodeId) -> &[u8] {
        match self.value(id) {
            Value::Bytes(b) => b,
            _ => &[],
        }
    }

    /// The value as an AST constant, for its Python `repr()` (None for code/slice).
    fn as_const(&self, id: NodeId) -> Option<ConstValue> {
        Some(match self.value(id) {
            Value::None => ConstValue::None,
            Value::True => ConstValue::Bool(true),
            Value::False => ConstValue::Bool(false),
            Value::Ellipsis => ConstValue::Ellipsis,
            Value::Int(i) => ConstValue::Int(AstInt::from(i.to_bigint())),
            Value::Float(bits) => ConstValue::Float(f64::from_bits(*bits)),
            Value::Complex { re, im } => ConstValue::Complex {
                real: f64::from_bits(*re),
                imag: f64::from_bits(*im),
            },
            Value::Str { value, .. } => {
                ConstValue::Str(AstStr::from_code_points(value.code_points())?)
            }
            Value::Bytes(b) => ConstValue::Bytes(b.clone()),
            _ => return None,
        })
    }

    fn repr(&self, id: NodeId) -> String {
        match self.value(id) {
            Value::Tuple(items) => {
                let r: Vec<String> = items.iter().map(|&i| self.repr(i)).collect();
                if r.len() == 1 {
                    format!("({},)", r[0])
                } else {
                    format!("({})", r.join(", "))
                }
            }
            Value::FrozenSet(items) => {
                if items.is_empty() {
                    "frozenset()".to_owned()
                } else {
                    let r: Vec<String> = items.iter().map(|&i| self.repr(i)).collect();
                    format!("frozenset({{{}}})", r.join(", "))
                }
            }
            Value::Slice { start, stop, step } => format!(
                "slice({}, {}, {})",
                self.repr(*start),
                self.repr(*stop),
                self.repr(*step)
            ),
            Value::Code(c) => format!(
                "<code object {} at 0x?, file \"{}\", line {}>",
                self.str_of(c.name),
                self.str_of(c.filename),
                c.firstlineno
            ),
            Value::StopIteration => "<class 'StopIteration'>".to_owned(),
            _ => self
                .as_const(id)
                .map_or_else(|| "?".to_owned(), |c| c.repr()),
        }
    }

    fn const_json(&self, id: NodeId) -> Json {
        let v = self.value(id);
        let type_name = v.type_name();
        let mut obj = json!({"type": type_name, "repr": self.repr(id)});
        match v {
            Value::Tuple(items) | Value::FrozenSet(items) => {
                obj["items"] = items.iter().map(|&i| self.const_json(i)).collect();
            }
            Value::Slice { start, stop, step } => {
                obj["items"] = json!([
                    self.const_json(*start),
                    self.const_json(*stop),
                    self.const_json(*step)
                ]);
            }
            Value::Code(_) => obj["path"] = json!(self.paths.get(&id)),
            Value::Float(bits) => obj["bits"] = json!(hex(&bits.to_le_bytes())),
            Value::Complex { re, im } => {
                obj["bits"] = json!([hex(&re.to_le_bytes()), hex(&im.to_le_bytes())]);
            }
            _ => {}
        }
        obj
    }

    /// Pre-order code objects with their paths (siblings with equal names get `#N`).
    fn collect(&mut self, id: NodeId, path: String, out: &mut Vec<(NodeId, String)>) {
        self.paths.insert(id, path.clone());
        out.push((id, path.clone()));
        let Value::Code(c) = self.value(id) else {
            return;
        };
        let mut children = Vec::new();
        self.child_codes(c.consts, &mut children);
        let mut seen: HashMap<String, usize> = HashMap::new();
        for child in children {
            let Value::Code(cc) = self.value(child) else {
                continue;
            };
            let name = self.str_of(cc.name);
            let n = seen.entry(name.clone()).or_default();
            *n += 1;
            let p = if *n == 1 {
                format!("{path}/{name}")
            } else {
                format!("{path}/{name}#{n}")
            };
            self.collect(child, p, out);
        }
    }

    fn child_codes(&self, id: NodeId, out: &mut Vec<NodeId>) {
        if let Value::Tuple(items) = self.value(id) {
            for &i in items {
                match self.value(i) {
                    Value::Code(_) => out.push(i),
                    Value::Tuple(_) => self.child_codes(i, out),
                    _ => {}
                }
            }
        }
    }
}

/// Decodes `co_linetable` into LocEntry objects and per-code-unit positions.
fn linetable(table: &[u8], firstlineno: i32) -> (Vec<Json>, Vec<[Option<i64>; 4]>, Option<String>) {
    fn varint(t: &[u8], p: &mut usize) -> Option<u32> {
        let mut shift = 0;
        let mut v: u32 = 0;
        loop {
            let b = *t.get(*p)?;
            *p += 1;
            v |= u32::from(b & 63) << shift;
            shift += 6;
            if b & 64 == 0 {
                return Some(v);
            }
            if shift > 30 {
                return None;
            }
        }
    }
    fn svarint(t: &[u8], p: &mut usize) -> Option<i64> {
        let v = varint(t, p)?;
        Some(if v & 1 != 0 {
            -i64::from(v >> 1)
        } else {
            i64::from(v >> 1)
        })
    }
    let mut entries = Vec::new();
    let mut units = Vec::new();
    let mut line = i64::from(firstlineno);
    let mut p = 0;
    while p < table.len() {
        let start = p;
        let first = table[p];
        if first & 0x80 == 0 {
            return (
                entries,
                units,
                Some(format!("bad entry start at byte {start}")),
            );
        }
        p += 1;
        let code = (first >> 3) & 15;
        let n = usize::from(first & 7) + 1;
        let bad = || Some(format!("truncated entry at byte {start}"));
        let (kind, pos): (String, [Option<i64>; 4]) = match code {
            0..=9 => {
                let Some(&second) = table.get(p) else {
                    return (entries, units, bad());
                };
                p += 1;
                let col = i64::from(code) * 8 + i64::from(second >> 4);
                let end = col + i64::from(second & 15);
                (
                    format!("short{code}"),
                    [Some(line), Some(line), Some(col), Some(end)],
                )
            }
            10..=12 => {
                line += i64::from(code - 10);
                let (Some(&c), Some(&e)) = (table.get(p), table.get(p + 1)) else {
                    return (entries, units, bad());
                };
                p += 2;
                (
                    format!("one_line{}", code - 10),
                    [
                        Some(line),
                        Some(line),
                        Some(i64::from(c)),
                        Some(i64::from(e)),
                    ],
                )
            }
            13 => {
                let Some(d) = svarint(table, &mut p) else {
                    return (entries, units, bad());
                };
                line += d;
                ("no_column".to_owned(), [Some(line), Some(line), None, None])
            }
            14 => {
                let (Some(d), Some(el), Some(c), Some(e)) = (
                    svarint(table, &mut p),
                    varint(table, &mut p),
                    varint(table, &mut p),
                    varint(table, &mut p),
                ) else {
                    return (entries, units, bad());
                };
                line += d;
                let col = (c > 0).then(|| i64::from(c) - 1);
                let end = (e > 0).then(|| i64::from(e) - 1);
                (
                    "long".to_owned(),
                    [Some(line), Some(line + i64::from(el)), col, end],
                )
            }
            _ => ("none".to_owned(), [None, None, None, None]),
        };
        entries.push(json!({
            "kind": kind, "code": code, "units": n,
            "line": pos[0], "end_line": pos[1], "col": pos[2], "end_col": pos[3],
        }));
        units.extend(std::iter::repeat_n(pos, n));
    }
    (entries, units, None)
}

fn exception_table(table: &[u8]) -> (Vec<Json>, Option<String>) {
    match pyc_assembler::decode_exception_table(table) {
        Ok(es) => (
            es.iter()
                .map(|e| json!({"start": e.start, "end": e.end, "target": e.target, "depth": e.depth, "lasti": e.lasti}))
                .collect(),
            None,
        ),
        Err(e) => (Vec::new(), Some(e.to_string())),
    }
}

/// Renders marshal data (`header` = it starts with a 16-byte pyc header) like the
/// oracle's `layers` request.
pub fn dump_layers(data: &[u8], header: bool) -> Result<Json, DumpError> {
    let (header_json, body) = if header {
        let (h, body) = pyc_file::pyc_body(data).map_err(|e| DumpError::Header(e.to_string()))?;
        let flags = h.flags();
        let (mtime, size, hash) = match h {
            pyc_file::PycHeader::Timestamp { mtime, source_size } => {
                (Some(mtime), Some(source_size), None)
            }
            pyc_file::PycHeader::Hash { source_hash, .. } => (None, None, Some(hex(&source_hash))),
        };
        (
            json!({"magic_hex": hex(&data[..4]), "flags": flags, "mtime": mtime, "source_size": size, "source_hash_hex": hash}),
            body,
        )
    } else {
        (Json::Null, data)
    };
    let (graph, root) = pyc_marshal::read(body).map_err(|e| DumpError::Unmarshal(e.to_string()))?;
    let mut d = Dumper {
        g: &graph,
        paths: HashMap::new(),
    };
    let mut codes = Vec::new();
    if matches!(graph[root].value, Value::Code(_)) {
        d.collect(root, String::new(), &mut codes);
    }
    // The root's path is its co_name; re-root the collected paths.
    let root_name = match &graph[root].value {
        Value::Code(c) => d.str_of(c.name),
        _ => String::new(),
    };
    for (_, p) in codes.iter_mut() {
        *p = format!("{root_name}{p}");
    }
    let renamed: HashMap<NodeId, String> = codes.iter().cloned().collect();
    d.paths = renamed;
    let mut objs = Vec::new();
    let mut all_dis = String::new();
    for (id, path) in &codes {
        let Value::Code(c) = &graph[*id].value else {
            continue;
        };
        let kinds = d.bytes_of(c.localspluskinds).to_vec();
        let code = d.bytes_of(c.code).to_vec();
        let (lt, positions, lt_err) = linetable(d.bytes_of(c.linetable), c.firstlineno);
        let (et, et_err) = exception_table(d.bytes_of(c.exceptiontable));
        let consts: Vec<NodeId> = match &graph[c.consts].value {
            Value::Tuple(items) => items.clone(),
            _ => Vec::new(),
        };
        let names = d.strs_of(c.names);
        let lpnames = d.strs_of(c.localsplusnames);
        let fields = json!({
            "co_argcount": c.argcount, "co_posonlyargcount": c.posonlyargcount,
            "co_kwonlyargcount": c.kwonlyargcount, "co_stacksize": c.stacksize,
            "co_flags": c.flags, "co_flags_names": flag_names(c.flags as u32),
            "co_firstlineno": c.firstlineno,
            "co_nlocals": kinds.iter().filter(|k| *k & 0x20 != 0).count(),
            "co_name": d.str_of(c.name), "co_qualname": d.str_of(c.qualname),
            "co_filename": d.str_of(c.filename),
            "co_consts": consts.iter().map(|&i| d.const_json(i)).collect::<Vec<_>>(),
            "co_names": names, "co_localsplusnames": lpnames,
            "co_localspluskinds": kinds, "co_localspluskinds_names": kinds.iter().map(|&k| kind_names(k)).collect::<Vec<_>>(),
            "co_code_hex": hex(&code), "co_linetable_hex": hex(d.bytes_of(c.linetable)),
            "co_exceptiontable_hex": hex(d.bytes_of(c.exceptiontable)),
            "co_linetable": lt, "co_linetable_error": lt_err,
            "co_exceptiontable": et, "co_exceptiontable_error": et_err,
        });
        let (instrs, dis) = instructions(&d, &code, &positions, &consts, &names, &lpnames);
        all_dis.push_str(&format!("Disassembly of {path}:\n{dis}\n"));
        objs.push(json!({"path": path, "fields": fields, "instructions": instrs, "dis": dis, "dis_error": null}));
    }
    Ok(json!({
        "header": header_json,
        "root_type": d.const_json(root)["type"],
        "code_objects": objs,
        "dis": all_dis,
    }))
}

fn instructions(
    d: &Dumper<'_>,
    code: &[u8],
    positions: &[[Option<i64>; 4]],
    consts: &[NodeId],
    names: &[String],
    lpnames: &[String],
) -> (Vec<Json>, String) {
    struct Raw {
        offset: usize,
        op: Opcode,
        arg: Option<u32>,
        caches: usize,
    }
    let mut raws = Vec::new();
    let mut i = 0;
    let mut ext: u32 = 0;
    while i + 1 < code.len() {
        let Some(op) = Opcode::from_u16(u16::from(code[i])) else {
            // Not a valid opcode: show it and move on one code unit.
            raws.push(Raw {
                offset: i,
                op: Opcode::CACHE,
                arg: Some(u32::from(code[i])),
                caches: 0,
            });
            i += 2;
            continue;
        };
        let arg = u32::from(code[i + 1]) | ext;
        let caches = usize::from(op.deopt().cache_entries());
        if op == Opcode::EXTENDED_ARG {
            ext = arg << 8;
        } else {
            ext = 0;
        }
        raws.push(Raw {
            offset: i,
            op,
            arg: op.has_arg().then_some(arg),
            caches,
        });
        i += 2 + 2 * caches;
    }
    let jump_target = |r: &Raw| -> Option<usize> {
        let deop = r.op.deopt();
        if !pyc_bytecode::HASJREL.contains(&deop) {
            return None;
        }
        let arg = r.arg? as i64;
        let arg = if deop.is_backwards_jump() { -arg } else { arg };
        usize::try_from(r.offset as i64 + 2 + 2 * arg + 2 * r.caches as i64).ok()
    };
    let targets: std::collections::HashSet<usize> = raws.iter().filter_map(jump_target).collect();
    let mut out = Vec::new();
    let mut dis = String::new();
    // dis.findlinestarts: a line starts wherever co_lines' line changes, to or from
    // None too (`lastline` starts as False, so offset 0 always starts a line);
    // `line_number` is the line of the last start.
    let mut last_start: Option<Option<i64>> = None;
    let mut last_line: Option<i64> = None;
    for r in &raws {
        let pos = positions.get(r.offset / 2).copied().unwrap_or([None; 4]);
        let starts_line = last_start != Some(pos[0]);
        if starts_line {
            last_start = Some(pos[0]);
            last_line = pos[0];
        }
        let (argval, argrepr) = match (r.arg, jump_target(r)) {
            (_, Some(t)) => (t.to_string(), format!("to L{t}")),
            (Some(a), None) => {
                let a = a as usize;
                let op = r.op.deopt();
                if op == Opcode::LOAD_CONST {
                    consts.get(a).map_or((a.to_string(), String::new()), |&c| {
                        let s = d.repr(c);
                        (s.clone(), s)
                    })
                } else if op.has_name() {
                    let idx = if op == Opcode::LOAD_GLOBAL || op == Opcode::LOAD_ATTR {
                        a >> 1
                    } else if op == Opcode::LOAD_SUPER_ATTR {
                        a >> 2
                    } else {
                        a
                    };
                    names.get(idx).map_or((a.to_string(), String::new()), |n| {
                        (format!("'{n}'"), n.clone())
                    })
                } else if op.has_local() || op.has_free() {
                    lpnames.get(a).map_or((a.to_string(), String::new()), |n| {
                        (format!("'{n}'"), n.clone())
                    })
                } else {
                    (a.to_string(), String::new())
                }
            }
            (None, None) => ("None".to_owned(), String::new()),
        };
        let is_target = targets.contains(&r.offset);
        if is_target {
            dis.push_str(&format!("  L{}:\n", r.offset));
        }
        dis.push_str(&format!(
            "{:>5} {:>6} {:<24} {}\n",
            if starts_line {
                pos[0].map_or("--".to_owned(), |l| l.to_string())
            } else {
                String::new()
            },
            r.offset,
            r.op.name(),
            match r.arg {
                Some(a) if argrepr.is_empty() => a.to_string(),
                Some(a) => format!("{a} ({argrepr})"),
                None => String::new(),
            }
        ));
        out.push(json!({
            "offset": r.offset, "opcode": r.op.value(), "opname": r.op.name(), "arg": r.arg,
            "argval": argval, "argrepr": argrepr, "positions": pos, "line": last_line,
            "starts_line": starts_line, "is_jump_target": is_target, "cache_count": r.caches,
        }));
    }
    (out, dis)
}
