//! HTML building blocks of the dashboard: escaping, number formatting, the page shell
//! with its inline style sheet and the in-page error catcher.

use std::fmt::Write as _;

/// Escapes text for HTML element content and attribute values.
pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// JSON embedded in a `<script type="application/json">`: `<` escaped so that no
/// `</script>` (or `<!--`) can end the element early.
pub fn json_script(id: &str, v: &serde_json::Value) -> String {
    let text = v.to_string().replace('<', "\\u003c");
    format!(r#"<script type="application/json" id="{id}">{text}</script>"#)
}

/// `1,234,567`.
pub fn num(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// `92.4%` (one decimal; `—` for an empty denominator).
pub fn pct(n: usize, d: usize) -> String {
    if d == 0 {
        "—".to_owned()
    } else {
        format!("{:.1}%", 100.0 * n as f64 / d as f64)
    }
}

/// `+3`, `−2` or `` (no change / no previous value).
pub fn delta(now: usize, before: Option<usize>) -> String {
    match before {
        Some(b) if now > b => format!("+{}", num(now - b)),
        Some(b) if now < b => format!("\u{2212}{}", num(b - now)),
        _ => String::new(),
    }
}

/// The pages of the site, for the navigation bar.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Nav {
    /// `index.html`.
    Overview,
    /// `files.html`.
    Files,
    /// `diff.html`.
    Diff,
    /// A signature's report page (two folders down).
    Signature,
}

const STYLE: &str = r#"
:root { color-scheme: light; }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif; color: #1f2328; background: #f6f8fa; }
header.top { background: #24292f; color: #fff; padding: 10px 24px; display: flex; gap: 24px; align-items: baseline; flex-wrap: wrap; }
header.top .brand { font-weight: 700; font-size: 17px; }
header.top nav a { color: #c9d1d9; margin-right: 16px; text-decoration: none; }
header.top nav a.active { color: #fff; border-bottom: 2px solid #fff; }
main { max-width: 1240px; margin: 0 auto; padding: 16px 24px 40px; }
h1 { font-size: 22px; margin: 8px 0 4px; }
h2 { font-size: 17px; margin: 28px 0 8px; border-bottom: 1px solid #d0d7de; padding-bottom: 4px; }
h3 { font-size: 15px; margin: 18px 0 6px; }
a { color: #0969da; }
code, pre, .mono { font-family: ui-monospace, "SFMono-Regular", "DejaVu Sans Mono", Menlo, Consolas, monospace; font-size: 12.5px; }
pre { background: #fff; border: 1px solid #d0d7de; border-radius: 6px; padding: 8px 10px; overflow-x: auto; margin: 6px 0; line-height: 1.35; }
.meta { color: #57606a; margin: 2px 0 12px; }
.banner { border-radius: 6px; padding: 10px 14px; margin: 12px 0; font-weight: 600; }
.banner.partial { background: #fff8c5; border: 1px solid #d4a72c; color: #6c4a00; }
.banner.error { background: #ffebe9; border: 1px solid #cf222e; color: #82071e; }
.cards { display: grid; grid-template-columns: repeat(auto-fill, minmax(178px, 1fr)); gap: 12px; }
.card { background: #fff; border: 1px solid #d0d7de; border-radius: 8px; padding: 12px 14px; }
.card h3 { margin: 0 0 4px; font-size: 13px; color: #57606a; font-weight: 600; text-transform: none; }
.card .big { font-size: 22px; font-weight: 700; letter-spacing: -0.5px; }
.card .sub { color: #57606a; font-size: 12.5px; }
.bar { height: 6px; background: #eaeef2; border-radius: 3px; margin: 6px 0 4px; overflow: hidden; }
.bar span { display: block; height: 100%; background: #1a7f37; }
table { border-collapse: collapse; width: 100%; background: #fff; border: 1px solid #d0d7de; border-radius: 6px; }
th, td { text-align: left; padding: 5px 8px; border-bottom: 1px solid #eaeef2; vertical-align: top; }
th { background: #f6f8fa; font-weight: 600; font-size: 12.5px; color: #424a53; position: sticky; top: 0; }
td.n, th.n { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
td.wrap { overflow-wrap: anywhere; }
#files td:first-child { width: 42%; }
#diff-totals { width: auto; min-width: 520px; }
tr.hidden { display: none; }
.badge { display: inline-block; padding: 0 7px; border-radius: 10px; font-size: 12px; font-weight: 600; white-space: nowrap; border: 1px solid transparent; }
.o-match { background: #dafbe1; color: #116329; }
.o-both_rejected { background: #ddf4ff; color: #0550ae; }
.o-reject_mismatch { background: #fff1e5; color: #953800; }
.o-mismatch { background: #ffebe9; color: #a40e26; }
.o-compiler_error { background: #eaeef2; color: #424a53; }
.o-poisoned { background: #fff8c5; color: #7d4e00; }
.o-oracle_error { background: #ffd8b5; color: #762c00; }
.s-NEW { background: #cf222e; color: #fff; }
.s-REGRESSED { background: #82071e; color: #fff; }
.s-KNOWN { background: #eaeef2; color: #424a53; }
.s-FIXED { background: #1a7f37; color: #fff; }
.st-same { color: #1a7f37; font-weight: 600; }
.st-DIFFERS { color: #cf222e; font-weight: 700; }
.st-other { color: #6e7781; }
.up { color: #1a7f37; } .down { color: #cf222e; }
figure.chart { margin: 8px 0 16px; background: #fff; border: 1px solid #d0d7de; border-radius: 8px; padding: 8px 8px 4px; }
figure.chart svg { display: block; font-family: system-ui, sans-serif; }
figcaption { font-size: 12.5px; color: #424a53; padding: 2px 8px 6px; }
figcaption .caption { font-weight: 600; margin-right: 10px; }
.legend { margin-right: 14px; white-space: nowrap; }
.swatch { display: inline-block; width: 12px; height: 4px; border-radius: 2px; margin-right: 5px; vertical-align: middle; }
.controls { display: flex; gap: 10px; align-items: center; margin: 10px 0; flex-wrap: wrap; }
.controls input[type=search] { width: 340px; padding: 5px 8px; border: 1px solid #d0d7de; border-radius: 6px; font-size: 14px; }
.controls select { padding: 4px 6px; border: 1px solid #d0d7de; border-radius: 6px; font-size: 14px; background: #fff; }
.d-add { color: #116329; background: #e6ffec; display: block; }
.d-del { color: #82071e; background: #ffebe9; display: block; }
.d-hunk { color: #0550ae; background: #ddf4ff; display: block; }
.d-file { font-weight: 700; display: block; }
.d-ours { color: #116329; }
.d-cpython { color: #82071e; }
.d-mark { background: #fff8c5; display: block; font-weight: 600; }
.ln { color: #8c959f; user-select: none; display: inline-block; width: 4.5em; text-align: right; padding-right: 1em; }
.two { display: grid; grid-template-columns: 1fr 1fr; gap: 16px; }
@media (max-width: 800px) { .two { grid-template-columns: 1fr; } }
.muted { color: #6e7781; }
footer { color: #6e7781; font-size: 12px; margin-top: 32px; }
#js-errors:empty { display: none; }
#js-errors { background: #ffebe9; border: 1px solid #cf222e; color: #82071e; padding: 8px; }
"#;

/// Runs first on every page: any script error is shown in `#js-errors` (so that it is
/// visible in a screenshot and in a DOM dump), and `data-js` says whether the page's own
/// script ran to its end.
const ERROR_CATCHER: &str = r#"<script>
window.addEventListener('error', function (e) {
  var box = document.getElementById('js-errors');
  var msg = 'script error: ' + (e.message || e) + (e.filename ? ' (' + e.filename + ':' + e.lineno + ')' : '');
  if (box) { var li = document.createElement('li'); li.className = 'js-error'; li.textContent = msg; box.appendChild(li); }
});
</script>"#;

/// A whole page. `depth` is how many folders below the site root the page is (for
/// links); `script` is the page's own script (it must end by setting `data-js="ok"`,
/// which [`page`] appends).
pub fn page(title: &str, nav: Nav, depth: usize, body: &str, script: &str) -> String {
    let up = "../".repeat(depth);
    let link = |target: &str, label: &str, me: Nav| {
        format!(
            r#"<a href="{up}{target}"{}>{label}</a>"#,
            if me == nav { r#" class="active""# } else { "" }
        )
    };
    let mut s = String::new();
    let _ = write!(
        s,
        r#"<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{}</title>
<style>{STYLE}</style>
{ERROR_CATCHER}
</head>
<body>
<header class="top"><span class="brand">pyc-parity</span><nav>{}{}{}</nav></header>
<main>
<ul id="js-errors"></ul>
{body}
</main>
<script>
(function () {{
{script}
}})();
document.documentElement.setAttribute('data-js', 'ok');
</script>
</body>
</html>
"#,
        esc(title),
        link("index.html", "Overview", Nav::Overview),
        link("files.html", "Files", Nav::Files),
        link("diff.html", "Run diff", Nav::Diff),
    );
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping_and_numbers() {
        assert_eq!(
            esc(r#"<a href="x">&'"#),
            "&lt;a href=&quot;x&quot;&gt;&amp;&#39;"
        );
        assert_eq!(num(0), "0");
        assert_eq!(num(999), "999");
        assert_eq!(num(1996), "1,996");
        assert_eq!(num(1_234_567), "1,234,567");
        assert_eq!(pct(1, 3), "33.3%");
        assert_eq!(pct(0, 0), "—");
        assert_eq!(delta(5, Some(3)), "+2");
        assert_eq!(delta(3, Some(5)), "\u{2212}2");
        assert_eq!(delta(3, None), "");
        let j = json_script("d", &serde_json::json!({"a": "</script><!--"}));
        assert!(!j[..j.len() - 9].contains("</script>"));
    }
}
