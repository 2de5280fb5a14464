//! Prints `ast.dump(ast.parse(FILE), include_attributes=True)` as computed by pyc-parser, one line
//! per file given on the command line (or the error).
use std::io::Write;

fn main() {
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    for path in std::env::args().skip(1) {
        let bytes = match std::fs::read(&path) {
            Ok(b) => b,
            Err(e) => {
                let _ = writeln!(out, "{path}: read error: {e}");
                continue;
            }
        };
        match pyc_parser::parse_module(&bytes, &path) {
            Ok(m) => {
                let _ = writeln!(out, "{}", pyc_ast::dump(&m));
            }
            Err(e) => {
                let _ = writeln!(out, "ERROR {e:?}");
            }
        }
    }
}
