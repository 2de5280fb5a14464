//! Worker crash and timeout recovery in the pool.
#![allow(clippy::unwrap_used)]

mod common;

use std::time::{Duration, Instant};

use pyc_oracle::{CompileRequest, Mode, OracleError, Pool, PoolConfig, ProvisionOptions, Request};

fn small_pool(timeout: Duration) -> Pool {
    Pool::new(
        common::interpreter().clone(),
        &ProvisionOptions::from_env().cache_dir,
        PoolConfig {
            workers: 1,
            mode: Mode::ForkServer,
            request_timeout: timeout,
            ..PoolConfig::default()
        },
    )
    .unwrap()
}

fn compiles(pool: &Pool) -> bool {
    pool.compile(CompileRequest::new(b"x = 1\n".to_vec(), "r.py"))
        .unwrap()
        .value
        .pyc()
        .is_some()
}

#[test]
fn hung_request_times_out_and_worker_is_replaced() {
    let pool = small_pool(Duration::from_secs(2));
    assert!(compiles(&pool));
    let started = Instant::now();
    let err = pool.call(&Request::DebugHang { seconds: 600 }).unwrap_err();
    assert!(
        matches!(
            err,
            OracleError::Timeout {
                op: "debug_hang",
                ..
            }
        ),
        "{err}"
    );
    assert!(started.elapsed() < Duration::from_secs(10));
    assert!(compiles(&pool), "the pool must recover after a timeout");
    assert_eq!(pool.workers_started(), 2, "one restart");
}

#[test]
fn crashing_request_handler_is_reported_and_server_survives() {
    let pool = small_pool(Duration::from_secs(30));
    assert!(compiles(&pool));
    let before = pool.idle_worker_pids();
    let err = pool.call(&Request::DebugCrash).unwrap_err();
    match &err {
        OracleError::Request { kind, .. } => assert_eq!(kind, "child_crashed"),
        other => panic!("expected child_crashed, got {other}"),
    }
    assert!(compiles(&pool));
    assert_eq!(
        pool.idle_worker_pids(),
        before,
        "the fork-server itself survives"
    );
    assert_eq!(pool.workers_started(), 1);
}

#[test]
fn killed_worker_is_restarted_transparently() {
    let pool = small_pool(Duration::from_secs(30));
    assert!(compiles(&pool));
    let pids = pool.idle_worker_pids();
    assert_eq!(pids.len(), 1);
    let status = std::process::Command::new("kill")
        .args(["-9", &pids[0].to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    std::thread::sleep(Duration::from_millis(100));
    assert!(
        compiles(&pool),
        "a dead idle worker is replaced and the request retried"
    );
    assert_eq!(pool.workers_started(), 2);
    assert_ne!(pool.idle_worker_pids(), pids);
}

#[test]
fn fresh_mode_uses_a_new_process_per_request() {
    let pool = Pool::new(
        common::interpreter().clone(),
        &ProvisionOptions::from_env().cache_dir,
        PoolConfig {
            workers: 1,
            mode: Mode::Fresh,
            ..PoolConfig::default()
        },
    )
    .unwrap();
    let a = pool.call(&Request::Ping).unwrap();
    let b = pool.call(&Request::Ping).unwrap();
    assert_ne!(a["pid"], b["pid"]);
    assert_eq!(pool.workers_started(), 2);
    assert_eq!(pool.stamp().mode, Mode::Fresh);
}
