//! The reducer edits the *original bytes* of a source (never a re-printed AST), so that
//! line and column layout survive. This module maps the AST's CPython positions (1-based
//! lines, 0-based UTF-8 byte columns of the *decoded* text) back to offsets in the raw
//! bytes, and applies text edits.
//!
//! The raw bytes may differ from the decoded text the parser saw: `\r\n` and lone `\r`
//! newlines (CPython translates both to `\n`), a UTF-8 BOM (stripped), and single-byte
//! codecs declared by a coding cookie (one raw byte per character). Lines whose columns
//! cannot be mapped are reported as unmappable (`None`), never guessed.

/// How the columns of one line map to raw offsets.
#[derive(Debug, Clone)]
enum ColMap {
    /// The raw line is the decoded line (UTF-8 source): a column is a byte offset.
    Identity,
    /// One raw byte per character (a single-byte codec): the column's character index.
    PerChar(String),
    /// Neither: positions on this line are not mapped.
    Unmapped,
}

#[derive(Debug, Clone)]
struct Line {
    /// Raw offset of the first byte.
    start: usize,
    /// Raw offset of the newline (or the end of the file).
    end: usize,
    /// Raw offset just after the newline.
    next: usize,
    map: ColMap,
}

/// A raw source with its line table.
#[derive(Debug, Clone)]
pub struct SourceText<'a> {
    raw: &'a [u8],
    lines: Vec<Line>,
}

/// One replacement of a raw byte range.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Edit {
    /// First replaced byte.
    pub start: usize,
    /// One past the last replaced byte.
    pub end: usize,
    /// The new bytes.
    pub text: Vec<u8>,
}

impl Edit {
    /// Deletes `start..end`.
    pub fn delete(start: usize, end: usize) -> Edit {
        Edit {
            start,
            end,
            text: Vec::new(),
        }
    }

    /// Replaces `start..end` by `text`.
    pub fn replace(start: usize, end: usize, text: impl Into<Vec<u8>>) -> Edit {
        Edit {
            start,
            end,
            text: text.into(),
        }
    }
}

/// Applies non-overlapping edits (in any order); `None` when they overlap or fall outside
/// the source.
pub fn apply(raw: &[u8], edits: &[Edit]) -> Option<Vec<u8>> {
    let mut sorted: Vec<&Edit> = edits.iter().collect();
    sorted.sort_by_key(|e| (e.start, e.end));
    let mut out = Vec::with_capacity(raw.len());
    let mut at = 0;
    for e in sorted {
        if e.start < at || e.end < e.start || e.end > raw.len() {
            return None;
        }
        out.extend_from_slice(&raw[at..e.start]);
        out.extend_from_slice(&e.text);
        at = e.end;
    }
    out.extend_from_slice(&raw[at..]);
    Some(out)
}

fn is_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\x0c')
}

impl<'a> SourceText<'a> {
    /// The line table of `raw`; `decoded` is what the parser saw (`pyc_parser::decode_source`).
    pub fn new(raw: &'a [u8], decoded: &str) -> SourceText<'a> {
        let mut lines = Vec::new();
        let mut pos = if raw.starts_with(b"\xef\xbb\xbf") {
            3
        } else {
            0
        };
        let mut decoded_lines = decoded.split('\n');
        while pos < raw.len() {
            let mut end = pos;
            while end < raw.len() && raw[end] != b'\n' && raw[end] != b'\r' {
                end += 1;
            }
            let next = if end + 1 < raw.len() && raw[end] == b'\r' && raw[end + 1] == b'\n' {
                end + 2
            } else if end < raw.len() {
                end + 1
            } else {
                end
            };
            let map = match decoded_lines.next() {
                Some(d) if d.as_bytes() == &raw[pos..end] => ColMap::Identity,
                Some(d) if d.chars().count() == end - pos => ColMap::PerChar(d.to_owned()),
                _ => ColMap::Unmapped,
            };
            lines.push(Line {
                start: pos,
                end,
                next,
                map,
            });
            pos = next;
        }
        SourceText { raw, lines }
    }

    /// The raw bytes.
    pub fn raw(&self) -> &'a [u8] {
        self.raw
    }

    /// Number of lines.
    pub fn line_count(&self) -> usize {
        self.lines.len()
    }

    /// The raw offset of a CPython position (1-based line, UTF-8 byte column).
    pub fn offset(&self, lineno: u32, col: u32) -> Option<usize> {
        let col = col as usize;
        let idx = (lineno as usize).checked_sub(1)?;
        let Some(line) = self.lines.get(idx) else {
            // Just past the last line (an end position at the very end of the file).
            return (idx == self.lines.len() && col == 0).then_some(self.raw.len());
        };
        match &line.map {
            ColMap::Identity => {
                let off = line.start + col;
                (off <= line.end).then_some(off)
            }
            ColMap::PerChar(decoded) => {
                if col == decoded.len() {
                    return Some(line.end);
                }
                let chars = decoded.char_indices().position(|(b, _)| b == col)?;
                Some(line.start + chars)
            }
            ColMap::Unmapped => None,
        }
    }

    /// The index of the line holding raw offset `off` (an offset at a line's end, i.e. its
    /// newline, belongs to that line).
    pub fn line_of(&self, off: usize) -> usize {
        match self.lines.binary_search_by(|l| l.start.cmp(&off)) {
            Ok(i) => i,
            Err(0) => 0,
            Err(i) => i - 1,
        }
    }

    /// Raw offset of the start of the line holding `off`.
    pub fn line_start(&self, off: usize) -> usize {
        self.lines.get(self.line_of(off)).map_or(0, |l| l.start)
    }

    /// Raw offset just after the newline of the line holding `off`.
    pub fn line_next(&self, off: usize) -> usize {
        self.lines
            .get(self.line_of(off))
            .map_or(self.raw.len(), |l| l.next)
    }

    /// Raw offset of the newline of the line holding `off`.
    pub fn line_end(&self, off: usize) -> usize {
        self.lines
            .get(self.line_of(off))
            .map_or(self.raw.len(), |l| l.end)
    }

    /// Start, end (newline) and next-line offsets of line `idx` (0-based).
    pub fn line_bounds(&self, idx: usize) -> Option<(usize, usize, usize)> {
        self.lines.get(idx).map(|l| (l.start, l.end, l.next))
    }

    /// Whether only spaces/tabs precede `off` on its line.
    pub fn starts_line(&self, off: usize) -> bool {
        let s = self.line_start(off);
        off >= s && self.raw[s..off].iter().all(|&b| is_space(b))
    }

    /// The indentation (leading whitespace) of the line holding `off`.
    pub fn indent_of(&self, off: usize) -> &'a [u8] {
        let s = self.line_start(off);
        let e = self.line_end(off);
        let n = self.raw[s..e].iter().take_while(|&&b| is_space(b)).count();
        &self.raw[s..s + n]
    }

    /// Whether the rest of the line after `off` is blank or a comment.
    pub fn ends_line(&self, off: usize) -> bool {
        let e = self.line_end(off);
        if off > e {
            return false;
        }
        let rest = &self.raw[off..e];
        let n = rest.iter().take_while(|&&b| is_space(b)).count();
        n == rest.len() || rest[n] == b'#'
    }

    /// `off` moved back over spaces/tabs (not over newlines).
    pub fn back_over_spaces(&self, mut off: usize) -> usize {
        while off > 0 && is_space(self.raw[off - 1]) {
            off -= 1;
        }
        off
    }

    /// Offset of the trailing comment (`#...`) after `off` on its line, if there is one
    /// and only whitespace separates it from `off`.
    pub fn trailing_comment(&self, off: usize) -> Option<(usize, usize)> {
        let e = self.line_end(off);
        if off > e {
            return None;
        }
        let rest = &self.raw[off..e];
        let n = rest.iter().take_while(|&&b| is_space(b)).count();
        (n < rest.len() && rest[n] == b'#').then_some((off, e))
    }

    /// Whether line `idx` is blank or holds only a comment.
    pub fn is_blank_or_comment_line(&self, idx: usize) -> bool {
        let Some(l) = self.lines.get(idx) else {
            return false;
        };
        let text = &self.raw[l.start..l.end];
        let n = text.iter().take_while(|&&b| is_space(b)).count();
        n == text.len() || text[n] == b'#'
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn maps_positions_through_newlines_bom_and_codecs() {
        let raw = b"\xef\xbb\xbfa = 1\r\nbb = 2\rc = 3";
        let decoded = pyc_parser::decode_source(raw).expect("decodes");
        let t = SourceText::new(raw, &decoded);
        assert_eq!(t.line_count(), 3);
        assert_eq!(t.offset(1, 0), Some(3));
        assert_eq!(t.offset(2, 3), Some(3 + 7 + 3));
        assert_eq!(&raw[t.offset(3, 0).expect("line 3")..], b"c = 3");
        assert_eq!(t.line_next(4), 10);
        // Latin-1: one raw byte per character, columns count UTF-8 bytes of the decoded text.
        let raw = b"# -*- coding: latin-1 -*-\nx = '\xe9\xe9'; y = 1\n";
        let decoded = pyc_parser::decode_source(raw).expect("decodes");
        let t = SourceText::new(raw, &decoded);
        let y = t.offset(2, 12).expect("mapped");
        assert_eq!(raw[y], b'y');
        assert_eq!(t.offset(7, 0), None);
    }

    #[test]
    fn edits_apply_in_any_order_and_refuse_overlaps() {
        let raw = b"abcdef";
        let out = apply(raw, &[Edit::replace(4, 5, "X"), Edit::delete(0, 2)]);
        assert_eq!(out.as_deref(), Some(&b"cdXf"[..]));
        assert_eq!(apply(raw, &[Edit::delete(0, 3), Edit::delete(2, 4)]), None);
        assert_eq!(apply(raw, &[Edit::delete(5, 9)]), None);
    }
}
