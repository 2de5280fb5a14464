//! Generator of `src/startup_interned.rs`: the strings that are already interned in the
//! oracle worker when it starts compiling a request, measured on the worker itself.
//!
//! Shared (with `#[path]`) by the example `gen_interned`, which writes the file, and the
//! test `interned_drift`, which fails when the committed file differs from what this
//! produces against the live oracle.
//!
//! Why it matters: `intern_constants` (Objects/codeobject.c) interns every str constant
//! made of name characters when a code object is created. When an *equal, different*
//! string is already interned, the constant is replaced, and a frozenset holding it is
//! rebuilt for that code object (no longer shared through the constant cache). The
//! strings interned before compilation starts are those of the interpreter (static
//! `_Py_ID` strings, everything interned at start-up) and of the worker script.
//!
//! Likewise `init_code` interns `co_qualname`, and a class body's `__qualname__`
//! constant is the same object: when an equal string is already interned, the constant
//! stays a separate, non-interned str.
//!
//! Method: `gen/interned_candidates.py` lists candidate strings (a superset), compiled by
//! the worker inside probe sources:
//! * a name-character candidate `s` is put into a constant frozenset `{s, '.', '-'}` that
//!   appears both in a lambda and in the module. The lambda's code object is created
//!   first. If `s` is not interned yet, it is interned in place there and the module
//!   shares the lambda's frozenset; if it is, each code object gets its own rebuilt
//!   frozenset. These probe sources contain no identifier, so the only interned strings
//!   are the worker's.
//! * a nested class's qualified name `q` gets the nested `class`/`def` statements that
//!   give a class that qualname; `q` was interned iff that class's `__qualname__`
//!   constant is not its `co_qualname`. Probes run shortest first, so the enclosing
//!   scopes a probe creates only intern names already measured.
#![allow(dead_code)]

use std::collections::{BTreeSet, HashMap};
use std::path::Path;
use std::process::Stdio;

use pyc_marshal::{Graph, NodeId, Value};
use pyc_oracle::{CompileOutcome, CompileRequest, OracleInterpreter, Pool};

/// Candidates per lambda (one tuple display of frozensets each).
const PER_LAMBDA: usize = 500;
/// Candidates per compile request.
const PER_REQUEST: usize = 20_000;
/// Qualified-name candidates per compile request.
const QUALNAMES_PER_REQUEST: usize = 2_000;

/// `should_intern_string` (codeobject.c) for the strings that can be replaced: ASCII
/// letters, digits and `_`, at least two characters.
fn is_candidate(s: &str) -> bool {
    s.len() >= 2 && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
}

/// The statements giving a class the qualified name `q` (`A.f.<locals>.B`), or `None`
/// when `q` is not such a name.
fn qualname_probe(q: &str) -> Option<String> {
    let parts: Vec<&str> = q.split('.').collect();
    let (last, scopes) = parts.split_last()?;
    let ident = |p: &str| !p.is_empty() && !p.contains(['<', '>', ' ', '(', ')', ':']);
    let mut src = String::new();
    let mut depth = 0;
    let mut i = 0;
    while i < scopes.len() {
        let name = scopes[i];
        if !ident(name) {
            return None;
        }
        src.push_str(&"    ".repeat(depth));
        if scopes.get(i + 1) == Some(&"<locals>") {
            src.push_str(&format!("def {name}():\n"));
            i += 2;
        } else {
            src.push_str(&format!("class {name}:\n"));
            i += 1;
        }
        depth += 1;
    }
    if !ident(last) || depth == 0 {
        return None;
    }
    src.push_str(&"    ".repeat(depth));
    src.push_str(&format!("class {last}: pass\n"));
    Some(src)
}

/// The candidate strings: `interned_candidates.py` run by the oracle, plus the name runs
/// of the worker scripts.
pub fn candidates(interp: &OracleInterpreter, crate_dir: &Path) -> Result<Vec<String>, String> {
    let script = crate_dir.join("gen").join("interned_candidates.py");
    let out = interp
        .command()
        .args(["-E", "-s", "-P", "-B"])
        .arg(&script)
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("cannot run {}: {e}", script.display()))?;
    if !out.status.success() {
        return Err(format!(
            "{} failed ({}): {}",
            script.display(),
            out.status,
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    let text = String::from_utf8(out.stdout).map_err(|e| e.to_string())?;
    let mut set: BTreeSet<String> = text
        .lines()
        .filter(|w| is_candidate(w) || w.contains('.'))
        .map(str::to_owned)
        .collect();
    for (_, script_text) in pyc_oracle::scripts::SCRIPTS {
        for run in script_text.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_')) {
            if is_candidate(run) {
                set.insert(run.to_owned());
            }
        }
    }
    Ok(set.into_iter().collect())
}

/// The probe source for `chunk`.
fn probe_source(chunk: &[String]) -> String {
    let mut src = String::new();
    for group in chunk.chunks(PER_LAMBDA) {
        let sets: Vec<String> = group
            .iter()
            .map(|s| format!("{{'{s}', '.', '-'}}"))
            .collect();
        let sets = sets.join(", ");
        src.push_str(&format!("lambda: ({sets},)\n({sets},)\n"));
    }
    src
}

fn code_consts(g: &Graph, code: NodeId) -> Result<&[NodeId], String> {
    let Value::Code(fields) = g.value(code) else {
        return Err("not a code object".into());
    };
    match g.value(fields.consts) {
        Value::Tuple(items) => Ok(items),
        _ => Err("co_consts is not a tuple".into()),
    }
}

/// The candidate in a probe frozenset `{s, '.', '-'}`.
fn probe_item(g: &Graph, fs: NodeId) -> Option<String> {
    let Value::FrozenSet(items) = g.value(fs) else {
        return None;
    };
    items.iter().find_map(|&i| match g.value(i) {
        Value::Str { value, .. } => value
            .as_str()
            .filter(|s| *s != "." && *s != "-")
            .map(str::to_owned),
        _ => None,
    })
}

/// Frozensets (by candidate) in a tuple of consts, looking into nested tuples.
fn frozensets(g: &Graph, items: &[NodeId], out: &mut HashMap<String, NodeId>) {
    for &i in items {
        match g.value(i) {
            Value::FrozenSet(_) => {
                if let Some(s) = probe_item(g, i) {
                    out.insert(s, i);
                }
            }
            Value::Tuple(inner) => frozensets(g, inner, out),
            _ => {}
        }
    }
}

/// The oracle's marshal graph of `src`.
fn compile(pool: &Pool, src: String) -> Result<(Graph, NodeId), String> {
    let req = CompileRequest::new(src.into_bytes(), "interned_probe.py");
    let pyc = match pool.compile(req).map_err(|e| e.to_string())?.value {
        CompileOutcome::Ok { pyc, .. } => pyc,
        CompileOutcome::Error { exception, .. } => {
            return Err(format!("the probe source failed to compile: {exception:?}"));
        }
    };
    let body = pyc.get(16..).ok_or("pyc shorter than its header")?;
    pyc_marshal::read(body).map_err(|e| e.to_string())
}

fn str_value(g: &Graph, id: NodeId) -> Option<&str> {
    match g.value(id) {
        Value::Str { value, .. } => value.as_str(),
        _ => None,
    }
}

/// For every code object under `code` (pre-order, first occurrence of a qualname
/// only): whether its `co_qualname` is also the object of its str constant with that
/// value.
fn qualname_sharing(
    g: &Graph,
    code: NodeId,
    out: &mut HashMap<String, bool>,
) -> Result<(), String> {
    let Value::Code(fields) = g.value(code) else {
        return Err("not a code object".into());
    };
    let consts = code_consts(g, code)?;
    if let Some(q) = str_value(g, fields.qualname)
        && !out.contains_key(q)
    {
        let shared = consts
            .iter()
            .find(|&&c| str_value(g, c) == Some(q))
            .map(|&c| c == fields.qualname);
        if let Some(shared) = shared {
            out.insert(q.to_owned(), shared);
        }
    }
    for &c in consts {
        if matches!(g.value(c), Value::Code(_)) {
            qualname_sharing(g, c, out)?;
        }
    }
    Ok(())
}

/// Which of the qualified-name candidates are interned before compilation starts.
fn probe_qualnames(pool: &Pool, candidates: &[&String]) -> Result<Vec<String>, String> {
    let mut probes: Vec<(usize, &String, String)> = candidates
        .iter()
        .filter_map(|q| qualname_probe(q).map(|src| (q.split('.').count(), *q, src)))
        .collect();
    probes.sort();
    let mut interned = Vec::new();
    for chunk in probes.chunks(QUALNAMES_PER_REQUEST) {
        let src: String = chunk.iter().map(|(_, _, s)| s.as_str()).collect();
        let (g, root) = compile(pool, src)?;
        let mut sharing = HashMap::new();
        qualname_sharing(&g, root, &mut sharing)?;
        for (_, q, _) in chunk {
            match sharing.get(q.as_str()) {
                Some(false) => interned.push((*q).clone()),
                Some(true) => {}
                None => return Err(format!("probe class {q:?} not found")),
            }
        }
    }
    Ok(interned)
}

/// Which of `candidates` are interned in the worker before it compiles a request.
pub fn probe(pool: &Pool, candidates: &[String]) -> Result<Vec<String>, String> {
    let (qualnames, names): (Vec<&String>, Vec<&String>) =
        candidates.iter().partition(|c| c.contains('.'));
    let mut interned = probe_qualnames(pool, &qualnames)?;
    let names: Vec<String> = names.into_iter().cloned().collect();
    for chunk in names.chunks(PER_REQUEST) {
        let (g, root) = compile(pool, probe_source(chunk))?;
        let module_consts = code_consts(&g, root)?;
        let mut in_module = HashMap::new();
        frozensets(&g, module_consts, &mut in_module);
        let mut in_lambdas = HashMap::new();
        for &c in module_consts {
            if matches!(g.value(c), Value::Code(_)) {
                frozensets(&g, code_consts(&g, c)?, &mut in_lambdas);
            }
        }
        for s in chunk {
            let (Some(a), Some(b)) = (in_lambdas.get(s), in_module.get(s)) else {
                return Err(format!("probe frozenset for {s:?} not found"));
            };
            if a != b {
                interned.push(s.clone());
            }
        }
    }
    interned.sort();
    Ok(interned)
}

/// The text of `src/startup_interned.rs`.
pub fn render(interned: &[String], interp: &OracleInterpreter) -> String {
    let mut out = String::new();
    out.push_str(
        "// @generated by compiler/compile/gen/interned_probe.rs (cargo run -p pyc-compiler \
         --example gen_interned).\n",
    );
    out.push_str(&format!(
        "// Oracle: CPython {} (magic {}), fork-server worker. Do not edit.\n",
        interp.version, interp.magic
    ));
    out.push_str(
        "\n//! Strings that are already interned in the oracle worker when it starts\n\
         //! compiling a request, sorted by bytes: those made of ASCII name characters\n\
         //! (at least two) and the qualified names of nested classes.\n\n",
    );
    out.push_str(&format!(
        "/// {} strings interned before compilation starts.\n",
        interned.len()
    ));
    out.push_str("pub(crate) static STARTUP_INTERNED: &[&str] = &[\n");
    for s in interned {
        out.push_str(&format!("    {s:?},\n"));
    }
    out.push_str("];\n");
    out
}
