//! Shared test setup: the real oracle, provisioned like the CLI does it. A missing
//! oracle is a test failure with the provisioning error, never a skip.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::path::PathBuf;
use std::sync::OnceLock;
use std::time::Duration;

use pyc_oracle::{Mode, Pool, PoolConfig, ProvisionOptions, find_or_install};
use pyc_parity::compare::{CompareOptions, FileRecord, TestHooks, compare_source};
use pyc_parity::perturb::Perturbation;

pub fn pool() -> &'static Pool {
    static POOL: OnceLock<Pool> = OnceLock::new();
    POOL.get_or_init(|| {
        let opts = ProvisionOptions::from_env();
        let interp = match find_or_install(&opts) {
            Ok(i) => i,
            Err(e) => {
                panic!("these tests need the CPython 3.14 oracle and could not get one:\n{e}")
            }
        };
        Pool::new(
            interp,
            &opts.cache_dir,
            PoolConfig {
                workers: 3,
                mode: Mode::ForkServer,
                request_timeout: Duration::from_secs(120),
                ..PoolConfig::default()
            },
        )
        .unwrap_or_else(|e| panic!("cannot make an oracle pool: {e}"))
    })
}

pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

pub fn fixture(rel: &str) -> Vec<u8> {
    let p = repo().join("corpus/fixtures").join(rel);
    std::fs::read(&p).unwrap_or_else(|e| panic!("cannot read {}: {e}", p.display()))
}

pub fn compare(src: &str, name: &str) -> FileRecord {
    compare_source(pool(), src.as_bytes(), name, &CompareOptions::default())
}

pub fn compare_with(src: &str, name: &str, hooks: TestHooks) -> FileRecord {
    let opts = CompareOptions {
        hooks,
        ..CompareOptions::default()
    };
    compare_source(pool(), src.as_bytes(), name, &opts)
}

pub fn perturbed(src: &str, name: &str, p: Perturbation) -> FileRecord {
    compare_with(
        src,
        name,
        TestHooks {
            perturb: Some(p),
            ..TestHooks::default()
        },
    )
}
