//! Round trip on the real corpus: every stdlib file the oracle compiles is read with
//! [`pyc_marshal::read`] and written back with [`pyc_marshal::write`]; the bytes must be
//! identical. Also prints a FLAG_REF census of the code-object fields (run with
//! `--nocapture` to see it).
#![allow(clippy::unwrap_used)]

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use pyc_marshal::{CodeFields, Graph, NodeId, Value, canonical, read, write};
use pyc_oracle::{
    CompileOutcome, CompileRequest, Pool, PoolConfig, ProvisionOptions, find_or_install,
};

#[derive(Default)]
struct Census {
    /// (role, type) -> counters
    rows: BTreeMap<(String, &'static str), Row>,
    /// For shared mortal, non-interned objects: the sorted roles of all their edges.
    sharing: BTreeMap<String, usize>,
    /// Flags only explained by `extra_refs` (set by the reader).
    unexplained: BTreeMap<String, usize>,
}

#[derive(Default, Clone, Copy)]
struct Row {
    /// Occurrences written in full.
    inline: usize,
    /// ... of which carry FLAG_REF.
    flagged: usize,
    /// Occurrences written as TYPE_REF.
    refs: usize,
    /// Inline occurrences by reason for the flag.
    immortal: usize,
    interned: usize,
    shared: usize,
    extra: usize,
}

impl Census {
    fn merge(&mut self, o: Census) {
        for (k, r) in o.rows {
            let e = self.rows.entry(k).or_default();
            e.inline += r.inline;
            e.flagged += r.flagged;
            e.refs += r.refs;
            e.immortal += r.immortal;
            e.interned += r.interned;
            e.shared += r.shared;
            e.extra += r.extra;
        }
        for (k, n) in o.sharing {
            *self.sharing.entry(k).or_default() += n;
        }
        for (k, n) in o.unexplained {
            *self.unexplained.entry(k).or_default() += n;
        }
    }
}

/// Walks the graph in write order (set items in stored order, which for a read graph is
/// the stream order), giving every edge a role.
fn census(g: &Graph, root: NodeId) -> Census {
    let mut c = Census::default();
    let rc = g.refcounts(root);
    // Unweighted in-degree and the roles of the edges.
    let mut roles: HashMap<NodeId, Vec<String>> = HashMap::new();
    let mut seen = HashSet::new();
    let mut stack: Vec<(NodeId, String)> = vec![(root, "root".into())];
    let mut order = Vec::new();
    while let Some((id, role)) = stack.pop() {
        order.push((id, role.clone()));
        if !seen.insert(id) {
            continue;
        }
        let v = g.value(id);
        let kids: Vec<(NodeId, String)> = match v {
            Value::Code(co) => co
                .object_fields()
                .into_iter()
                .zip(CodeFields::OBJECT_FIELD_NAMES)
                .map(|(k, n)| (k, n.to_string()))
                .collect(),
            _ => {
                let child_role = match role.as_str() {
                    "co_consts" => "const".to_string(),
                    "co_names" => "name".to_string(),
                    "co_localsplusnames" => "localsplusname".to_string(),
                    r if r.starts_with("const") => format!("const in {}", v.type_name()),
                    r => format!("{r}/item"),
                };
                v.children().map(|k| (k, child_role.clone())).collect()
            }
        };
        for (k, r) in kids.into_iter().rev() {
            stack.push((k, r));
        }
    }
    let mut first = HashSet::new();
    for (id, role) in &order {
        if g.value(*id).is_single_byte() {
            continue;
        }
        roles.entry(*id).or_default().push(role.clone());
    }
    for (id, role) in order {
        let node = &g[id];
        if node.value.is_single_byte() {
            continue;
        }
        let ty = match &node.value {
            Value::Bytes(b) if b.len() == 1 => "bytes[1]",
            Value::Bytes(b) if b.is_empty() => "bytes[0]",
            Value::Tuple(t) if t.is_empty() => "tuple[0]",
            Value::Str { value, .. } if value.is_singleton_value() => "str[<=1]",
            v => v.type_name(),
        };
        let row = c.rows.entry((role.clone(), ty)).or_default();
        if !first.insert(id) {
            row.refs += 1;
            continue;
        }
        row.inline += 1;
        if node.read_flag == Some(true) {
            row.flagged += 1;
            if node.immortal {
                row.immortal += 1;
            } else if node.value.is_interned_str() {
                row.interned += 1;
            } else if rc[id.index()] - node.extra_refs > 1 {
                row.shared += 1;
            } else {
                row.extra += 1;
                *c.unexplained
                    .entry(format!("{role} {}", node.value.type_name()))
                    .or_default() += 1;
            }
        }
        let r = &roles[&id];
        if r.len() > 1 && !node.immortal {
            let mut r = r.clone();
            r.sort();
            r.dedup();
            let kind = if node.value.is_interned_str() {
                "interned str"
            } else {
                node.value.type_name()
            };
            *c.sharing.entry(format!("{kind} {r:?}")).or_default() += 1;
        }
    }
    c
}

#[test]
fn corpus_round_trip_is_byte_identical() {
    let opts = ProvisionOptions::from_env();
    let interp = find_or_install(&opts).unwrap_or_else(|e| panic!("need the oracle: {e}"));
    let files = interp.stdlib_corpus().unwrap();
    assert!(
        files.len() > 1500,
        "corpus too small: {} files",
        files.len()
    );
    let pool = Pool::new(interp, &opts.cache_dir, PoolConfig::default()).unwrap();
    let workers = pool.config().workers.max(1) + 1;

    let started = Instant::now();
    let next = AtomicUsize::new(0);
    let failures = Mutex::new(Vec::<String>::new());
    let total = Mutex::new(Census::default());
    let compiled = AtomicUsize::new(0);
    let bytes = AtomicUsize::new(0);
    let rust_nanos = AtomicUsize::new(0);
    let canon_bytes = AtomicUsize::new(0);
    let canon_max_ratio = AtomicUsize::new(0);
    std::thread::scope(|s| {
        for _ in 0..workers {
            s.spawn(|| {
                let mut local = Census::default();
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some((rel, path)) = files.get(i) else {
                        break;
                    };
                    let source = std::fs::read(path).unwrap();
                    let out = pool
                        .compile(CompileRequest::new(source, rel.clone()))
                        .unwrap_or_else(|e| panic!("oracle failed on {rel}: {e}"))
                        .value;
                    let CompileOutcome::Ok { pyc, .. } = out else {
                        continue;
                    };
                    compiled.fetch_add(1, Ordering::Relaxed);
                    let body = &pyc[16..];
                    bytes.fetch_add(body.len(), Ordering::Relaxed);
                    let t = Instant::now();
                    let result = read(body).map_err(|e| e.to_string()).and_then(|(g, root)| {
                        let again = write(&g, root).map_err(|e| e.to_string())?;
                        Ok((g, root, again))
                    });
                    rust_nanos.fetch_add(t.elapsed().as_nanos() as usize, Ordering::Relaxed);
                    match result {
                        Ok((g, root, again)) => {
                            if again != body {
                                let at = again
                                    .iter()
                                    .zip(body)
                                    .position(|(a, b)| a != b)
                                    .unwrap_or(again.len().min(body.len()));
                                failures.lock().unwrap().push(format!(
                                    "{rel}: differs at byte {at} (oracle {} bytes, ours {})",
                                    body.len(),
                                    again.len()
                                ));
                            } else {
                                let c = canonical(body).unwrap();
                                assert_eq!(c, canonical(&again).unwrap());
                                canon_bytes.fetch_add(c.len(), Ordering::Relaxed);
                                let ratio = c.len() * 100 / body.len().max(1);
                                canon_max_ratio.fetch_max(ratio, Ordering::Relaxed);
                            }
                            local.merge(census(&g, root));
                        }
                        Err(e) => failures.lock().unwrap().push(format!("{rel}: {e}")),
                    }
                }
                total.lock().unwrap().merge(local);
            });
        }
    });
    let compiled = compiled.into_inner();
    let failures = failures.into_inner().unwrap();
    let census = total.into_inner().unwrap();

    println!(
        "corpus: {} files, {compiled} compiled, {} marshal bytes, {:.2?} total, read+write {:.2?} (summed over threads)",
        files.len(),
        bytes.load(Ordering::Relaxed),
        started.elapsed(),
        std::time::Duration::from_nanos(rust_nanos.into_inner() as u64),
    );
    println!(
        "canonical(): {} bytes in all ({}% of the originals), at most {}% for one file",
        canon_bytes.load(Ordering::Relaxed),
        canon_bytes.load(Ordering::Relaxed) * 100 / bytes.load(Ordering::Relaxed).max(1),
        canon_max_ratio.load(Ordering::Relaxed)
    );
    println!(
        "\nFLAG_REF census (role, type: inline written / flagged [immortal, interned, shared, extra] / refs)"
    );
    for ((role, ty), r) in &census.rows {
        if role.starts_with("const in") && r.inline + r.refs < 50 {
            continue;
        }
        println!(
            "  {role:<28} {ty:<10} inline {:>7}  flagged {:>7} [imm {:>6}, int {:>6}, shared {:>6}, extra {:>4}]  refs {:>7}",
            r.inline, r.flagged, r.immortal, r.interned, r.shared, r.extra, r.refs
        );
    }
    println!(
        "\nobjects held more than once (mortal ones; type, distinct roles of the edges): count"
    );
    let mut sharing: Vec<_> = census.sharing.iter().collect();
    sharing.sort_by(|a, b| b.1.cmp(a.1));
    for (k, n) in sharing.iter().filter(|(k, _)| k.contains("co_")) {
        println!("  {n:>7}  {k}");
    }
    println!("  (other patterns:)");
    for (k, n) in sharing.iter().filter(|(k, _)| !k.contains("co_")).take(15) {
        println!("  {n:>7}  {k}");
    }
    println!(
        "\nflags explained only by extra_refs: {:?}",
        census.unexplained
    );

    assert!(compiled > 1650, "only {compiled} files compiled");
    assert!(
        failures.is_empty(),
        "{} of {compiled} files do not round-trip:\n{}",
        failures.len(),
        failures
            .iter()
            .take(30)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    );
}
