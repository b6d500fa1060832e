//! A throw-away PostgreSQL server for the cluster tests: `initdb` in a
//! temporary directory, started with `pg_ctl` on a free loopback port (and
//! a socket in the same directory), stopped when dropped. No system
//! service is used. PostgreSQL refuses to run as root, so as root the
//! programs run as the `postgres` user (or `nobody`) through `runuser`.
//! The programs are found in `CLAIMCHECK_PG_BIN`, else in Debian's
//! `/usr/lib/postgresql/<version>/bin`; without them the tests skip, unless
//! `CLAIMCHECK_POSTGRES_TESTS=require` (as `.ci/run` sets), which fails them.

use std::path::PathBuf;
use std::process::Command;

pub struct Postgres {
    programs: PathBuf,
    /// Holds the cluster's files and its socket; removed when dropped.
    directory: tempfile::TempDir,
    port: u16,
    run_as: Option<String>,
}

/// The folder holding `initdb` and `pg_ctl`, if PostgreSQL is installed.
fn programs() -> Option<PathBuf> {
    if let Some(folder) = std::env::var_os("CLAIMCHECK_PG_BIN") {
        return Some(PathBuf::from(folder));
    }
    let mut versions: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .filter_map(Result::ok)
        .map(|entry| entry.path().join("bin"))
        .filter(|bin| bin.join("initdb").is_file() && bin.join("pg_ctl").is_file())
        .collect();
    versions.sort();
    versions.pop()
}

/// The user the server runs as: none (this one) unless this is root.
fn unprivileged_user() -> Option<String> {
    // SAFETY: geteuid has no preconditions and cannot fail.
    if unsafe { libc::geteuid() } != 0 {
        return None;
    }
    let exists = |name: &str| {
        Command::new("id")
            .arg(name)
            .output()
            .is_ok_and(|output| output.status.success())
    };
    ["postgres", "nobody"]
        .into_iter()
        .find(|name| exists(name))
        .map(str::to_string)
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .expect("a free port")
        .port()
}

impl Postgres {
    /// Starts a new server, or `None` (printed, naming `test`) when
    /// PostgreSQL is not installed.
    pub fn start(test: &str) -> Option<Postgres> {
        let Some(programs) = programs() else {
            assert!(
                std::env::var("CLAIMCHECK_POSTGRES_TESTS").as_deref() != Ok("require"),
                "CLAIMCHECK_POSTGRES_TESTS=require, and PostgreSQL's server programs are not installed"
            );
            crate::common::report_skip(
                test,
                "PostgreSQL's server programs are not installed (.ci/run installs them)",
            );
            return None;
        };
        let directory = tempfile::tempdir().expect("temporary directory");
        let run_as = unprivileged_user();
        if let Some(user) = &run_as {
            let status = Command::new("chown")
                .arg(user)
                .arg(directory.path())
                .status()
                .expect("chown runs");
            assert!(status.success(), "chown {user} of the test directory");
        }
        let server = Postgres {
            programs,
            directory,
            port: free_port(),
            run_as,
        };
        let data = server.data();
        server.run(
            "initdb",
            &[
                "-D",
                data.to_str().expect("UTF-8 path"),
                "-A",
                "trust",
                "-U",
                "claimcheck",
                "--no-sync",
            ],
        );
        server.start_again();
        Some(server)
    }

    fn data(&self) -> PathBuf {
        self.directory.path().join("data")
    }

    /// `program` of the server's folder, run as the unprivileged user.
    fn command(&self, program: &str) -> Command {
        let path = self.programs.join(program);
        let mut command = match &self.run_as {
            Some(user) => {
                let mut command = Command::new("runuser");
                command.args(["-u", user, "--"]).arg(&path);
                command
            }
            None => Command::new(&path),
        };
        command.current_dir(self.directory.path());
        command
    }

    fn run(&self, program: &str, arguments: &[&str]) {
        let output = self
            .command(program)
            .args(arguments)
            .output()
            .unwrap_or_else(|error| panic!("{program} runs: {error}"));
        assert!(
            output.status.success(),
            "{program} {arguments:?} failed: {}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
    }

    fn pg_ctl(&self, arguments: &[&str]) {
        let data = self.data();
        let mut all = vec!["-D", data.to_str().expect("UTF-8 path")];
        all.extend_from_slice(arguments);
        self.run("pg_ctl", &all);
    }

    /// Starts the server (again, after [`Postgres::stop`]) and waits until
    /// it takes connections.
    pub fn start_again(&self) {
        let options = format!(
            "-p {} -k {} -c listen_addresses=127.0.0.1",
            self.port,
            self.directory.path().display()
        );
        let log = self.directory.path().join("server.log");
        self.pg_ctl(&[
            "-w",
            "-o",
            &options,
            "-l",
            log.to_str().expect("UTF-8 path"),
            "start",
        ]);
    }

    /// Stops the server at once, as a crash would (`-m immediate`).
    pub fn stop(&self) {
        self.pg_ctl(&["-m", "immediate", "-w", "stop"]);
    }

    /// The address nodes are given with `--cluster`.
    pub fn address(&self) -> String {
        format!("postgres://claimcheck@127.0.0.1:{}/postgres", self.port)
    }
}

impl Drop for Postgres {
    fn drop(&mut self) {
        let data = self.data();
        let _ = self
            .command("pg_ctl")
            .args([
                "-D",
                data.to_str().unwrap_or_default(),
                "-m",
                "immediate",
                "-w",
                "stop",
            ])
            .output();
    }
}
