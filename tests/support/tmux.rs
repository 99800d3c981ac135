//! A small tmux harness: one private tmux server per session (its own socket, no config
//! file), a fixed size, an explicit environment, keys in, the screen out, and everything
//! killed on Drop.
//!
//! The environment reaches the pane through the environment of the tmux client that starts
//! the server, never through argv (`new-session -e` would put secrets on a command line).

use std::process::{Command, Output, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use super::{Env, timeout};

static COUNTER: AtomicUsize = AtomicUsize::new(0);

/// True when tmux can run here; otherwise prints a notice (the caller returns early).
pub fn available(test: &str) -> bool {
    let ok = Command::new("tmux")
        .arg("-V")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !ok {
        eprintln!("NOTICE: tmux is not installed; skipping {test}");
    }
    ok
}

/// The number right after `label ` on the screen (e.g. `done 12`, `to change 93`).
pub fn figure(screen: &str, label: &str) -> Option<usize> {
    let needle = format!("{label} ");
    screen.match_indices(&needle).find_map(|(i, _)| {
        let rest = &screen[i + needle.len()..];
        let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
        digits.parse().ok()
    })
}

pub struct Tmux {
    socket: String,
    session: String,
    env: Env,
    /// Holds the file the wrapper writes the exit status to.
    dir: tempfile::TempDir,
}

/// Runs the command, then records its exit status in a file (`$0`) and on screen, with
/// the terminal modes it left behind (`icanon`/`-icanon`, `echo`/`-echo`), one per line.
/// tmux 3.3 does not always fill `#{pane_dead_status}`, hence the file.
const WRAPPER: &str = r#"f=$0; "$@"; s=$?; printf '[exited %s]\n' "$s"; stty -a | tr ' ;' '\n\n' | grep -x -e '-\{0,1\}icanon' -e '-\{0,1\}echo'; echo "$s" > "$f.tmp" && mv "$f.tmp" "$f"; exit $s"#;

impl Tmux {
    /// Starts `argv` in a detached session of `width` x `height`, under a small shell that
    /// records its exit status. The pane stays after the process exits (remain-on-exit).
    pub fn start(width: u16, height: u16, env: &Env, argv: &[&str]) -> Tmux {
        let n = COUNTER.fetch_add(1, Ordering::SeqCst);
        let id = format!("scimitar-e2e-{}-{n}", std::process::id());
        let t = Tmux {
            socket: id.clone(),
            session: id,
            env: env.clone(),
            dir: tempfile::tempdir().expect("temporary directory"),
        };
        let (w, h) = (width.to_string(), height.to_string());
        let status = t.status_file().display().to_string();
        let mut args: Vec<&str> = vec![
            "set-option",
            "-g",
            "remain-on-exit",
            "on",
            ";",
            "new-session",
            "-d",
            "-s",
            &t.session,
            "-x",
            &w,
            "-y",
            &h,
            "--",
            "sh",
            "-c",
            WRAPPER,
            &status,
        ];
        args.extend_from_slice(argv);
        let out = t.tmux(&args);
        assert!(
            out.status.success(),
            "tmux new-session failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        t
    }

    fn tmux(&self, args: &[&str]) -> Output {
        let mut cmd = Command::new("tmux");
        cmd.args(["-u", "-f", "/dev/null", "-L", &self.socket])
            .args(args)
            .stdin(Stdio::null());
        self.env.apply(&mut cmd);
        // The socket lives in our temporary directory and goes with it.
        cmd.env("TMUX_TMPDIR", self.dir.path());
        cmd.output().expect("run tmux")
    }

    fn status_file(&self) -> std::path::PathBuf {
        self.dir.path().join("exit-status")
    }

    fn target(&self) -> String {
        format!("{}:", self.session)
    }

    /// Named keys (`Enter`, `Escape`, `C-u`, `q`...).
    pub fn keys(&self, keys: &[&str]) {
        let t = self.target();
        let mut args = vec!["send-keys", "-t", &t];
        args.extend_from_slice(keys);
        let out = self.tmux(&args);
        assert!(out.status.success(), "send-keys {keys:?} failed");
    }

    /// Text typed as is (`send-keys -l`).
    pub fn type_text(&self, text: &str) {
        let t = self.target();
        let out = self.tmux(&["send-keys", "-t", &t, "-l", "--", text]);
        assert!(out.status.success(), "send-keys -l {text:?} failed");
    }

    /// The visible screen as plain text.
    pub fn screen(&self) -> String {
        let t = self.target();
        String::from_utf8_lossy(&self.tmux(&["capture-pane", "-p", "-t", &t]).stdout).into_owned()
    }

    /// The scrollback and the screen. tmux scrolls a dead pane up one line to write its
    /// "Pane is dead" notice, so what the wrapper printed first may be in the history.
    pub fn history_and_screen(&self) -> String {
        let t = self.target();
        String::from_utf8_lossy(
            &self
                .tmux(&["capture-pane", "-p", "-S", "-", "-E", "-", "-t", &t])
                .stdout,
        )
        .into_owned()
    }

    /// The visible screen with its attributes as escape sequences (`capture-pane -e`).
    pub fn screen_with_escapes(&self) -> String {
        let t = self.target();
        String::from_utf8_lossy(&self.tmux(&["capture-pane", "-p", "-e", "-t", &t]).stdout)
            .into_owned()
    }

    /// A tmux format about the pane, e.g. `#{pane_pid}`.
    pub fn format(&self, fmt: &str) -> String {
        let t = self.target();
        String::from_utf8_lossy(&self.tmux(&["display-message", "-p", "-t", &t, fmt]).stdout)
            .trim()
            .to_string()
    }

    /// Waits until the screen satisfies `ok`; fails with the last screen on timeout.
    pub fn wait_for(&self, what: &str, ok: impl Fn(&str) -> bool) -> String {
        self.wait_for_within(what, timeout(), ok)
    }

    /// Like [`Tmux::wait_for`], for a wait known to be long (a refresh at the rate budget).
    pub fn wait_for_within(
        &self,
        what: &str,
        limit: Duration,
        ok: impl Fn(&str) -> bool,
    ) -> String {
        let limit = limit.max(timeout());
        let deadline = Instant::now() + limit;
        loop {
            let s = self.screen();
            if ok(&s) {
                return s;
            }
            if Instant::now() >= deadline {
                panic!("timed out after {limit:?} waiting for {what}; screen:\n{s}");
            }
            std::thread::sleep(Duration::from_millis(40));
        }
    }

    /// Waits until the screen shows `needle`.
    /// Applies a server-side filter from the list: `f`, the text, Enter once it reads as valid.
    pub fn server_filter(&self, filter: &str) {
        self.keys(&["f"]);
        self.wait_text("SCIM filter (server side)");
        self.type_text(filter);
        self.wait_text("✓ valid filter");
        self.keys(&["Enter"]);
    }

    /// Ticks every shown user (`a`), opens the action menu (`A`), picks `choose` and waits
    /// for the disable preview. With `n`, the status line and menu must name that count.
    pub fn preview_disable_of_shown(&self, n: Option<usize>, choose: &str) {
        self.keys(&["a"]);
        match n {
            Some(n) => self.wait_text(&format!("ticked {n} shown users")),
            None => self.wait_text("shown users"),
        };
        self.keys(&["A"]);
        match n {
            Some(n) => self.wait_text(&format!("Action for {n} selected users")),
            None => self.wait_text("Action for"),
        };
        self.keys(&[choose]);
        self.wait_text("Preview: disable");
    }

    /// Types the count a confirmation asks for (`Type the number of users, N, …`), checked
    /// against `expected` when given, and starts the run. Returns the count.
    pub fn confirm_count(&self, expected: Option<usize>) -> usize {
        let count = |s: &str| {
            s.split("Type the number of users, ")
                .nth(1)
                .and_then(|r| r.split(',').next())
                .and_then(|n| n.trim().parse::<usize>().ok())
        };
        // Waits for the line it reads: the box's title is drawn before its body, and a
        // screen caught halfway through a redraw has the one without the other.
        let s = self.wait_for("the confirmation asking for a number", |s| {
            s.contains("Confirm the change") && count(s).is_some()
        });
        let n = count(&s).unwrap_or_else(|| panic!("the confirmation asks for a number:\n{s}"));
        if let Some(e) = expected {
            assert_eq!(n, e, "the confirmation asks for {e}:\n{s}");
        }
        self.type_text(&n.to_string());
        self.wait_text(&format!("> {n}"));
        self.keys(&["Enter"]);
        n
    }

    pub fn wait_text(&self, needle: &str) -> String {
        self.wait_for(&format!("`{needle}`"), |s| s.contains(needle))
    }

    /// Waits until the screen has not changed for 300 ms: use before negative assertions.
    pub fn wait_stable(&self) -> String {
        let deadline = Instant::now() + timeout();
        let mut last = self.screen();
        let mut since = Instant::now();
        loop {
            std::thread::sleep(Duration::from_millis(50));
            let s = self.screen();
            if s != last {
                last = s;
                since = Instant::now();
            } else if since.elapsed() >= Duration::from_millis(300) {
                return s;
            }
            if Instant::now() >= deadline {
                panic!("the screen never settled; last:\n{last}");
            }
        }
    }

    /// The pid of the command under the wrapper shell, while it runs.
    pub fn command_pid(&self) -> Option<u32> {
        let shell: u32 = self.format("#{pane_pid}").parse().ok()?;
        let children =
            std::fs::read_to_string(format!("/proc/{shell}/task/{shell}/children")).ok()?;
        children.split_whitespace().next()?.parse().ok()
    }

    /// Waits until the command has exited and returns its exit status.
    pub fn wait_exit(&self) -> i32 {
        let deadline = Instant::now() + timeout();
        loop {
            if let Some(code) = std::fs::read_to_string(self.status_file())
                .ok()
                .and_then(|s| s.trim().parse::<i32>().ok())
            {
                return code;
            }
            if Instant::now() >= deadline {
                panic!(
                    "the command did not exit within {:?}; screen:\n{}",
                    timeout(),
                    self.screen()
                );
            }
            std::thread::sleep(Duration::from_millis(40));
        }
    }

    /// After `wait_exit`: whether the command left the terminal in cooked mode with echo,
    /// as the wrapper's `stty -a` saw it.
    pub fn terminal_restored(&self) -> bool {
        let s = self.history_and_screen();
        let modes: Vec<&str> = s.lines().map(str::trim).collect();
        modes.contains(&"icanon") && modes.contains(&"echo")
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let t = self.target();
        let _ = self.tmux(&["kill-session", "-t", &t]);
        let _ = self.tmux(&["kill-server"]);
    }
}
