//! The prompt-preprocessor binary under `cargo lambda watch` (the local Lambda runtime
//! emulator), invoked with `cargo lambda invoke` on events/ files.
//!
//! Needs `cargo-lambda` from `scripts/bootstrap.sh` (`make test` runs it); without it
//! the test fails with the bootstrap hint. Only 127.0.0.1 is used, on a free port. The
//! watch process and everything it starts (its own process group) are killed at the
//! end, also when an assertion fails.
//!
//! The policy's session counts go to a table in moto (DynamoDB on loopback), through
//! the binary's own wiring (`SESSION_TABLE`, the SDK's `AWS_ENDPOINT_URL`).
//!
//! Every wait has a deadline. `cargo lambda invoke` waits for the function's answer
//! with no limit of its own, so a function that never starts (its build failed, the
//! disk filled) would hang the whole `make test`; here an invoke past its deadline is
//! killed and the test fails with the watch log, which holds the build's output.

#![expect(
    clippy::panic,
    reason = "test helpers fail the test by panicking with the cause"
)]

use std::net::{TcpListener, TcpStream};
use std::os::unix::process::CommandExt as _;
use std::path::PathBuf;
use std::process::{Child, Command, ExitStatus, Output, Stdio};
use std::time::{Duration, Instant};

/// How long the first invoke may take: it builds the function (about 40 s on the
/// 2-core dev machine, the workspace's dependencies already built by `cargo test`).
const FIRST_INVOKE: Duration = Duration::from_secs(15 * 60);
/// How long a later invoke may take (the function is running: milliseconds).
const LATER_INVOKE: Duration = Duration::from_secs(120);

/// The workspace root, from the manifest directory cargo gives the test at run time
/// (not the compile-time one: a target directory shared by several checkouts may hold
/// a test binary built from another).
fn workspace_root() -> PathBuf {
    let dir = std::env::var_os("CARGO_MANIFEST_DIR")
        .map_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")), PathBuf::from);
    dir.join("../..")
}

/// `cargo-lambda` as `scripts/bootstrap.sh` installs it.
fn cargo_lambda() -> PathBuf {
    let exe = workspace_root().join(".tools/venv/bin/cargo-lambda");
    assert!(
        exe.is_file(),
        "`{}` is missing: run scripts/bootstrap.sh (or make test)",
        exe.display()
    );
    exe
}

/// Kills the watch process group on drop.
struct Watch {
    child: Child,
    log: PathBuf,
}

impl Drop for Watch {
    fn drop(&mut self) {
        // The child leads its own process group: end it and the functions it runs,
        // politely first, then for sure if it has not gone within ten seconds.
        let group = format!("-{}", self.child.id());
        let _ = Command::new("kill").args(["-TERM", "--", &group]).status();
        if !matches!(
            wait_for(&mut self.child, Duration::from_secs(10)),
            Ok(Some(_))
        ) {
            let _ = Command::new("kill").args(["-KILL", "--", &group]).status();
            let _ = self.child.wait();
        }
    }
}

/// Waits for `child` to exit, at most `limit`: its status, or `None` if it still runs.
fn wait_for(child: &mut Child, limit: Duration) -> std::io::Result<Option<ExitStatus>> {
    let started = Instant::now();
    loop {
        if let Some(status) = child.try_wait()? {
            return Ok(Some(status));
        }
        if started.elapsed() >= limit {
            return Ok(None);
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .unwrap_or(9000)
}

/// Runs `cargo lambda invoke` on `event`, killing it if it runs past `deadline`; a
/// timeout fails the test with the watch log.
fn invoke(exe: &PathBuf, port: u16, event: &str, deadline: Duration, watch: &Watch) -> Output {
    let stem = format!(
        "gatehouse-cargo-lambda-invoke-{port}-{}",
        std::process::id()
    );
    let out_path = std::env::temp_dir().join(format!("{stem}.out"));
    let err_path = std::env::temp_dir().join(format!("{stem}.err"));
    let out_file = std::fs::File::create(&out_path).unwrap_or_else(|e| panic!("{e}"));
    let err_file = std::fs::File::create(&err_path).unwrap_or_else(|e| panic!("{e}"));
    let mut child = Command::new(exe)
        .current_dir(workspace_root())
        .args([
            "lambda",
            "invoke",
            "--invoke-address",
            "127.0.0.1",
            "--invoke-port",
            &port.to_string(),
        ])
        .args(["--data-file", event, "prompt-preprocessor"])
        .stdin(Stdio::null())
        .stdout(out_file)
        .stderr(err_file)
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run cargo-lambda invoke: {e}"));
    let status = match wait_for(&mut child, deadline) {
        Ok(Some(status)) => status,
        Ok(None) => {
            let _ = child.kill();
            let _ = child.wait();
            panic!(
                "`cargo lambda invoke` of {event} gave no answer within {deadline:?}; \
                 the watch log:\n{}",
                read(&watch.log)
            );
        }
        Err(e) => panic!("cannot wait for cargo-lambda invoke: {e}"),
    };
    let output = Output {
        status,
        stdout: std::fs::read(&out_path).unwrap_or_default(),
        stderr: std::fs::read(&err_path).unwrap_or_default(),
    };
    let _ = std::fs::remove_file(out_path);
    let _ = std::fs::remove_file(err_path);
    output
}

#[test]
fn preprocessor_under_cargo_lambda_watch() {
    let exe = cargo_lambda();
    let port = free_port();
    let log = std::env::temp_dir().join(format!("gatehouse-cargo-lambda-watch-{port}.log"));
    let log_file = std::fs::File::create(&log).unwrap_or_else(|e| panic!("{e}"));
    let err_file = log_file.try_clone().unwrap_or_else(|e| panic!("{e}"));

    // Given a session table in moto
    let moto = gatehouse_testkit::MotoServer::start().unwrap_or_else(|e| panic!("moto: {e}"));
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap_or_else(|e| panic!("{e}"));
    let dynamo = rt.block_on(session_table(&moto.endpoint()));

    // And `cargo lambda watch` on a free loopback port, in an allowed region
    let child = Command::new(&exe)
        .current_dir(workspace_root())
        .args([
            "lambda",
            "watch",
            // No reloads: the function under test is the one built at the first invoke.
            "--ignore-changes",
            "--invoke-address",
            "127.0.0.1",
            "--invoke-port",
            &port.to_string(),
        ])
        .env("ALLOWED_REGIONS", "eu-west-1")
        .env("AWS_REGION", "eu-west-1")
        .env(
            "GATEHOUSE_REDACTION_KEY",
            "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=",
        )
        .env("GATEHOUSE_LOG", "warn")
        .env("SESSION_TABLE", SESSION_TABLE)
        .env("AWS_ENDPOINT_URL", moto.endpoint())
        .env("AWS_ACCESS_KEY_ID", "AKIDTEST")
        .env("AWS_SECRET_ACCESS_KEY", "secret")
        .env_remove("AWS_SESSION_TOKEN")
        .env_remove("AWS_PROFILE")
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .stdin(Stdio::null())
        .stdout(log_file)
        .stderr(err_file)
        .process_group(0)
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start cargo lambda watch: {e}"));
    let watch = Watch { child, log };
    let started = Instant::now();
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "watch did not listen: {}",
            read(&watch.log)
        );
        std::thread::sleep(Duration::from_millis(200));
    }

    // When the benign event is invoked (the first invoke builds the binary)
    let out = invoke(
        &exe,
        port,
        "events/prompt-preprocessor/benign.json",
        FIRST_INVOKE,
        &watch,
    );
    // Then the response is the handler's JSON
    assert!(
        out.status.success(),
        "{}\n{}",
        String::from_utf8_lossy(&out.stderr),
        read(&watch.log)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap_or_default();
    assert_eq!(v["decision"], "allow", "{v}");
    assert_eq!(v["request_id"], "req-benign-1");

    // And an injection is denied, not forwarded
    let out = invoke(
        &exe,
        port,
        "events/prompt-preprocessor/injection.json",
        LATER_INVOKE,
        &watch,
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap_or_default();
    assert_eq!(v["decision"], "deny", "{v}");
    assert!(v["prompt"].is_null());

    // And the denied prompt is counted in the session table, under a hashed key
    let items = rt
        .block_on(dynamo.scan().table_name(SESSION_TABLE).send())
        .unwrap_or_else(|e| panic!("{e:?}"))
        .items
        .unwrap_or_default();
    assert_eq!(items.len(), 1, "{items:?}\n{}", read(&watch.log));
    assert_eq!(
        items.first().and_then(|i| i.get("stops")),
        Some(&aws_sdk_dynamodb::types::AttributeValue::N("1".into())),
        "{items:?}"
    );

    // And a malformed event is a handler error: exit 1 with the error type
    let out = invoke(
        &exe,
        port,
        "events/prompt-preprocessor/malformed.json",
        LATER_INVOKE,
        &watch,
    );
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("InvalidEvent"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    drop(watch);
}

/// The session table the binary is told about.
const SESSION_TABLE: &str = "gatehouse-sessions";

/// Creates [`SESSION_TABLE`] in moto, in the region the function runs in.
async fn session_table(endpoint: &str) -> aws_sdk_dynamodb::Client {
    let sdk = gatehouse_testkit::sdk::sdk_config(endpoint).await;
    let config = aws_sdk_dynamodb::config::Builder::from(&sdk)
        .region(aws_sdk_dynamodb::config::Region::new("eu-west-1"))
        .build();
    let client = aws_sdk_dynamodb::Client::from_conf(config);
    gatehouse_testkit::dynamo::create_table(&client, SESSION_TABLE, "pk")
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    client
}

fn read(path: &PathBuf) -> String {
    std::fs::read_to_string(path).unwrap_or_default()
}
