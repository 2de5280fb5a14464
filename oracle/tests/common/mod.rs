//! Shared test setup: the real oracle, provisioned like the CLI does it.
//! A missing oracle is a test failure with the provisioning error, never a skip.
#![allow(dead_code, clippy::unwrap_used)]

use std::path::PathBuf;
use std::sync::OnceLock;

use pyc_oracle::{Mode, OracleInterpreter, Pool, PoolConfig, ProvisionOptions, find_or_install};

pub fn interpreter() -> &'static OracleInterpreter {
    static INTERP: OnceLock<OracleInterpreter> = OnceLock::new();
    INTERP.get_or_init(|| match find_or_install(&ProvisionOptions::from_env()) {
        Ok(i) => i,
        Err(e) => panic!("these tests need the CPython 3.14 oracle and could not get one:\n{e}"),
    })
}

fn make_pool(mode: Mode) -> Pool {
    let config = PoolConfig {
        mode,
        ..PoolConfig::default()
    };
    Pool::new(
        interpreter().clone(),
        &ProvisionOptions::from_env().cache_dir,
        config,
    )
    .unwrap_or_else(|e| panic!("cannot make an oracle pool: {e}"))
}

pub fn pool() -> &'static Pool {
    static POOL: OnceLock<Pool> = OnceLock::new();
    POOL.get_or_init(|| make_pool(Mode::ForkServer))
}

pub fn fresh_pool() -> &'static Pool {
    static POOL: OnceLock<Pool> = OnceLock::new();
    POOL.get_or_init(|| make_pool(Mode::Fresh))
}

pub fn fixture(name: &str) -> Vec<u8> {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name);
    std::fs::read(&p).unwrap_or_else(|e| panic!("cannot read {}: {e}", p.display()))
}
