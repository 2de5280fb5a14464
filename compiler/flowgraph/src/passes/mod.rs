//! The passes of Python/flowgraph.c, grouped by topic.

pub(crate) mod cleanup;
pub(crate) mod cold;
pub(crate) mod const_fold;
pub(crate) mod except;
pub(crate) mod lineno;
pub(crate) mod load_fast;
pub(crate) mod locals;
pub(crate) mod localsplus;
pub(crate) mod peephole;
pub(crate) mod pseudo;
pub(crate) mod stackdepth;
