//! Which language constructs the program generator may use.
//!
//! The default set is exactly what our compiler supports today (every slice, S1–S11);
//! the others are opt-in (`+known_bugs`) and join the default as the compiler grows
//! (flip [`Feature::supported`]). A spec is a comma
//! list: `default`, `all`, `none`, then `+name` / `-name` (a bare `name` means `+name`),
//! e.g. `default,+match,-classes`.

use std::fmt;

/// One generator feature (a language construct family or a layout trait).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Feature {
    /// S2: `def`, `lambda`, closures, `global`/`nonlocal`, decorators, default values.
    Functions,
    /// S3: `if`, `while`, `for`, `break`, `continue`, `and`/`or`, `x if c else y`,
    /// chained comparisons, `assert`.
    ControlFlow,
    /// S4: `try`/`except`/`else`/`finally`, `except*`, `with`, `raise`.
    Exceptions,
    /// S5: `class`.
    Classes,
    /// S6: list/set/dict comprehensions, generator expressions.
    Comprehensions,
    /// S7: f-strings and `"literal" % (tuple)`.
    FStrings,
    /// S7: t-strings (PEP 750).
    TStrings,
    /// S8: `yield`, `yield from`.
    Generators,
    /// S9: parameter/return annotations and annotated assignments.
    Annotations,
    /// Assignment expressions `(x := e)`.
    Walrus,
    /// S8: `async def`, `await`, `async for`, `async with`, async comprehensions
    /// (not supported by the compiler yet).
    Async,
    /// S10: `match`.
    Match,
    /// S11: type parameters and `type` aliases.
    TypeParams,
    /// `from __future__ import annotations` at the top of some programs.
    FutureAnnotations,
    /// Non-ASCII identifiers (some of them change under NFKC normalization).
    UnicodeNames,
    /// Comments, blank lines, line breaks inside brackets, long lines, `;`, `\`
    /// continuations, one-line suites, CRLF line ends, tab indentation.
    Layout,
    /// Constructs that hit known, reported compiler bugs (listed in
    /// `corpus/known-mismatches.txt`), which the generator otherwise avoids so that a run
    /// finds new bugs: a bare `raise` followed by `;`, and a statement starting with the
    /// name `match` after a `;` (our parser rejects both); `%%` in a `%`-format rewritten
    /// to an f-string (a fresh `'%'` string).
    KnownBugs,
}

impl Feature {
    /// Every feature, in order.
    pub const ALL: [Feature; 17] = [
        Feature::Functions,
        Feature::ControlFlow,
        Feature::Exceptions,
        Feature::Classes,
        Feature::Comprehensions,
        Feature::FStrings,
        Feature::TStrings,
        Feature::Generators,
        Feature::Annotations,
        Feature::Walrus,
        Feature::Async,
        Feature::Match,
        Feature::TypeParams,
        Feature::FutureAnnotations,
        Feature::UnicodeNames,
        Feature::Layout,
        Feature::KnownBugs,
    ];

    /// The name used in specs.
    pub fn as_str(self) -> &'static str {
        match self {
            Feature::Functions => "functions",
            Feature::ControlFlow => "control_flow",
            Feature::Exceptions => "exceptions",
            Feature::Classes => "classes",
            Feature::Comprehensions => "comprehensions",
            Feature::FStrings => "fstrings",
            Feature::TStrings => "tstrings",
            Feature::Generators => "generators",
            Feature::Annotations => "annotations",
            Feature::Walrus => "walrus",
            Feature::Async => "async",
            Feature::Match => "match",
            Feature::TypeParams => "type_params",
            Feature::FutureAnnotations => "future_annotations",
            Feature::UnicodeNames => "unicode_names",
            Feature::Layout => "layout",
            Feature::KnownBugs => "known_bugs",
        }
    }

    /// Whether our compiler supports the construct today (the default set).
    pub fn supported(self) -> bool {
        !matches!(self, Feature::KnownBugs)
    }

    fn bit(self) -> u32 {
        1 << (self as u32)
    }
}

impl std::str::FromStr for Feature {
    type Err = FeatureError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Feature::ALL
            .into_iter()
            .find(|f| f.as_str() == s.trim().replace('-', "_"))
            .ok_or_else(|| FeatureError::Unknown(s.trim().to_owned()))
    }
}

/// A bad feature spec.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FeatureError {
    /// An unknown feature name.
    #[error(
        "unknown generator feature {0:?} (known: default, all, none, {known})",
        known = Feature::ALL.map(Feature::as_str).join(", ")
    )]
    Unknown(String),
}

/// A set of [`Feature`]s.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Features(u32);

impl Default for Features {
    /// What the compiler supports today: every feature whose [`Feature::supported`].
    fn default() -> Self {
        Feature::ALL
            .into_iter()
            .filter(|f| f.supported())
            .fold(Features::none(), Features::with)
    }
}

impl Features {
    /// No construct beyond S1 straight-line code (and no layout variety).
    pub fn none() -> Self {
        Features(0)
    }

    /// Every feature, unsupported ones included.
    pub fn all() -> Self {
        Feature::ALL
            .into_iter()
            .fold(Features::none(), Features::with)
    }

    /// This set plus `f`.
    pub fn with(self, f: Feature) -> Self {
        Features(self.0 | f.bit())
    }

    /// This set without `f`.
    pub fn without(self, f: Feature) -> Self {
        Features(self.0 & !f.bit())
    }

    /// Whether `f` is in the set.
    pub fn has(self, f: Feature) -> bool {
        self.0 & f.bit() != 0
    }

    /// Whether every feature in the set is supported by our compiler today (then a
    /// "not supported yet" answer is a finding).
    pub fn all_supported(self) -> bool {
        Feature::ALL
            .into_iter()
            .all(|f| !self.has(f) || f.supported())
    }

    /// Parses a spec: `default`, `all`, `none`, `+name`, `-name`, `name`, comma-separated,
    /// applied left to right starting from the default set.
    pub fn parse(spec: &str) -> Result<Self, FeatureError> {
        let mut set = Features::default();
        for part in spec.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            set = match part {
                "default" => Features::default(),
                "all" => Features::all(),
                "none" => Features::none(),
                _ => match part.strip_prefix('-') {
                    Some(name) => set.without(name.parse()?),
                    None => set.with(part.strip_prefix('+').unwrap_or(part).parse()?),
                },
            };
        }
        Ok(set)
    }
}

impl fmt::Display for Features {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names: Vec<&str> = Feature::ALL
            .into_iter()
            .filter(|x| self.has(*x))
            .map(Feature::as_str)
            .collect();
        f.write_str(&names.join(","))
    }
}

impl fmt::Debug for Features {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Features({self})")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn specs_parse() {
        let d = Features::default();
        assert!(d.has(Feature::Classes) && d.has(Feature::Async) && d.all_supported());
        assert!(!d.has(Feature::KnownBugs));
        assert!(d.has(Feature::Match) && d.has(Feature::TypeParams));
        let s = Features::parse("default,+known_bugs,-classes").expect("valid spec");
        assert!(s.has(Feature::KnownBugs) && !s.has(Feature::Classes) && !s.all_supported());
        assert_eq!(Features::parse("all").expect("valid"), Features::all());
        assert_eq!(
            Features::parse("none,functions").expect("valid"),
            Features::none().with(Feature::Functions)
        );
        assert!(matches!(
            Features::parse("+nonsense"),
            Err(FeatureError::Unknown(n)) if n == "nonsense"
        ));
        let round = Features::parse(&format!("none,{d}")).expect("display parses");
        assert_eq!(round, d);
    }
}
