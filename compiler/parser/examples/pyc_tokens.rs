//! Prints ruff's tokens and errors for a file (debugging aid).
use ruff_text_size::Ranged;
fn main() {
    for path in std::env::args().skip(1) {
        let Ok(bytes) = std::fs::read(&path) else {
            continue;
        };
        let Ok(text) = pyc_parser::decode_source(&bytes) else {
            continue;
        };
        let parsed = ruff_python_parser::parse_unchecked(
            &text,
            ruff_python_parser::ParseOptions::from(ruff_python_parser::Mode::Module),
        );
        for t in parsed.tokens().iter() {
            println!("{:?} {:?}", t.kind(), t.range());
        }
        for e in parsed.errors() {
            println!("ERROR {:?} {:?}", e.error, e.location);
        }
    }
}
