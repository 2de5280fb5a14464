//! For each file given, prints one JSON line: `{"file", "ok": true, "dump"}` or
//! `{"file", "ok": false, "type", "msg", "lineno", "offset", "end_lineno", "end_offset"}`.
fn main() {
    for path in std::env::args().skip(1) {
        let Ok(bytes) = std::fs::read(&path) else {
            continue;
        };
        let v = match pyc_parser::parse_module(&bytes, &path) {
            Ok(m) => serde_json::json!({"file": path, "ok": true, "dump": pyc_ast::dump(&m)}),
            Err(e) => serde_json::json!({
                "file": path, "ok": false, "type": e.kind.type_name(), "msg": e.message,
                "lineno": e.lineno, "offset": e.offset, "end_lineno": e.end_lineno,
                "end_offset": e.end_offset,
            }),
        };
        println!("{v}");
    }
}
