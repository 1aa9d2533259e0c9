//! Keys on the command line: `posbridge connect` reads them from stdin (`-`) or the environment;
//! an argument works but warns, since every user of the computer sees it in the process list and
//! the shell keeps it in its history. Addresses that keys would travel to must be https.

mod support;

use std::io::{BufRead as _, BufReader, Read as _, Write as _};
use std::net::TcpListener;
use std::process::Stdio;

use support::posbridge;

fn text(output: &std::process::Output) -> (String, String) {
    (
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

/// A till on loopback that refuses every key at once (401), so a connect ends quickly.
fn refusing_till() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let address = format!("http://{}", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        for mut stream in listener.incoming().flatten() {
            let mut head = [0u8; 4096];
            let _ = stream.read(&mut head);
            let _ = stream.write_all(
                b"HTTP/1.1 401 Unauthorized\r\ncontent-type: application/json\r\ncontent-length: 2\r\nconnection: close\r\n\r\n{}",
            );
        }
    });
    address
}

fn connect_salespos(data_dir: &std::path::Path, secret_arg: &str) -> std::process::Command {
    let mut command = posbridge(data_dir);
    command.args([
        "connect",
        "salespos",
        "--api-root",
        &refusing_till(),
        "--public",
        "pub",
        "--secret",
        secret_arg,
    ]);
    command
}

const SECRET: &str = "Visible-In-ps-7f3c9a";

#[test]
fn a_secret_given_as_an_argument_works_but_warns_without_repeating_it() {
    let dir = tempfile::tempdir().unwrap();
    let output = connect_salespos(dir.path(), SECRET).output().unwrap();
    let (stdout, stderr) = text(&output);
    assert!(
        stderr.contains("warning") && stderr.contains("process list"),
        "{stderr}"
    );
    assert!(stderr.contains("--secret -"), "{stderr}");
    assert!(
        !stdout.contains(SECRET) && !stderr.contains(SECRET),
        "{stdout}{stderr}"
    );

    // The sign-in waits for a browser that never comes: read what it says up to the address.
    let mut child = posbridge(dir.path())
        .args([
            "connect",
            "eaccounting",
            "--api",
            "http://127.0.0.1:9/v2/",
            "--identity",
            "http://127.0.0.1:9/",
            "--client-id",
            "id",
            "--client-secret",
            SECRET,
            "--no-browser",
        ])
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let stdout_until_address: Vec<String> = lines
        .by_ref()
        .map_while(Result::ok)
        .take_while(|line| !line.contains("/connect/authorize"))
        .collect();
    child.kill().unwrap();
    let output = child.wait_with_output().unwrap();
    let stdout = stdout_until_address.join("\n");
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert!(stderr.contains("--client-secret -"), "{stderr}");
    assert!(
        stderr.contains("POSBRIDGE_EACCOUNTING_CLIENT_SECRET"),
        "{stderr}"
    );
    assert!(
        !stdout.contains(SECRET) && !stderr.contains(SECRET),
        "{stdout}{stderr}"
    );
}

#[test]
fn a_secret_from_stdin_or_the_environment_raises_no_warning() {
    let dir = tempfile::tempdir().unwrap();
    let mut child = connect_salespos(dir.path(), "-")
        .stdin(Stdio::piped())
        .spawn()
        .unwrap();
    writeln!(child.stdin.take().unwrap(), "{SECRET}").unwrap();
    let (_, stderr) = text(&child.wait_with_output().unwrap());
    assert!(!stderr.contains("process list"), "{stderr}");

    let output = posbridge(dir.path())
        .args([
            "connect",
            "salespos",
            "--api-root",
            &refusing_till(),
            "--public",
            "pub",
        ])
        .env("POSBRIDGE_SALESPOS_SECRET", SECRET)
        .output()
        .unwrap();
    let (_, stderr) = text(&output);
    assert!(!stderr.contains("process list"), "{stderr}");
    assert!(!stderr.contains(SECRET), "{stderr}");
}

#[test]
fn plain_http_to_another_machine_is_refused_naming_the_option() {
    let dir = tempfile::tempdir().unwrap();
    let output = posbridge(dir.path())
        .args([
            "connect",
            "eaccounting",
            "--api",
            "http://eaccountingapi.example/v2/",
            "--client-id",
            "id",
            "--client-secret",
            "-",
            "--no-browser",
        ])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let (stdout, stderr) = text(&output);
    assert!(!output.status.success());
    assert!(stderr.contains("--api"), "{stderr}");
    assert!(stderr.contains("https://"), "{stderr}");
    assert!(!stdout.contains("Sign in"), "no browser step: {stdout}");

    let output = posbridge(dir.path())
        .args([
            "connect",
            "salespos",
            "--api-root",
            "http://mijnwinkel.example",
            "--public",
            "pub",
            "--secret",
            "-",
        ])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let (_, stderr) = text(&output);
    assert!(!output.status.success());
    assert!(stderr.contains("--api-root"), "{stderr}");
    assert!(stderr.contains("https://"), "{stderr}");
}
