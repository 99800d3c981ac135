//! Entry point: parse arguments, set up logging to a file, run a command or the TUI, and
//! map failures to exit codes (0 done, 1 some changes failed, 2 bad input or refused).

use std::io::Write;
use std::process::ExitCode;

use clap::FromArgMatches;

use scimitar::cli::{
    ApplyArgs, AuthCommand, CacheCommand, Cli, ColorArg, Command, FakeCommand, ResumeArgs,
    ReviewCommand, UndoArgs, UserCommand, UsersCommand,
};
use scimitar::commands;
use scimitar::config::{Paths, create_private, create_private_dir};
use scimitar::tui::{ColorMode, CsvAtStart, TuiOptions};

fn main() -> ExitCode {
    // The derived parser, with the help of commands that do not connect left without the
    // connection options.
    let cli = match Cli::from_arg_matches(&scimitar::cli::command().get_matches()) {
        Ok(cli) => cli,
        Err(e) => e.exit(),
    };
    scimitar::untrusted::set_csv_raw(cli.csv_raw);
    let _log_guard = init_logging();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            scimitar::say!("scimitar: cannot start the async runtime: {e}");
            return ExitCode::from(2);
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(code) => code,
        // A closed stdout (`| head`) is the reader saying it has enough: end quietly.
        Err(e) if is_broken_pipe(&e) => ExitCode::SUCCESS,
        Err(e) => {
            tracing::error!("{e:#}");
            // Error details can hold server text: made safe for the terminal.
            scimitar::say!("scimitar: {}", scimitar::untrusted::text(&format!("{e:#}")));
            ExitCode::from(2)
        }
    }
}

/// True when the error comes from writing to a pipe whose reader has gone.
fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        let io = c.downcast_ref::<std::io::Error>().map(std::io::Error::kind);
        let csv = c.downcast_ref::<csv::Error>().and_then(|e| match e.kind() {
            csv::ErrorKind::Io(io) => Some(io.kind()),
            _ => None,
        });
        let json = c
            .downcast_ref::<serde_json::Error>()
            .and_then(serde_json::Error::io_error_kind);
        [io, csv, json].contains(&Some(std::io::ErrorKind::BrokenPipe))
    })
}

/// Prints the client's notices (long waits and their reasons) on stderr while a headless
/// command runs; stops when dropped.
struct NoticePrinter(tokio::task::JoinHandle<()>);

impl NoticePrinter {
    fn start(client: &scimitar::scim::ScimClient) -> NoticePrinter {
        let mut rx = client.notices();
        NoticePrinter(tokio::spawn(async move {
            loop {
                match rx.recv().await {
                    Ok(n) => {
                        // Server text: no control characters reach the terminal.
                        let text: String = n.message.chars().filter(|c| !c.is_control()).collect();
                        eprintln!("scimitar: {text}");
                    }
                    Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => {}
                    Err(_) => break,
                }
            }
        }))
    }
}

impl Drop for NoticePrinter {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// How a command uses the tenant, which decides what happens around it.
enum Access<'a> {
    /// Reads only; `notices` prints the client's long waits on stderr.
    Read { notices: bool },
    /// Changes users: refused in read-only, then `check` refuses bad input before anything
    /// is sent (the identity request included), then the API user and tenant are identified.
    Change {
        command: &'static str,
        check: &'a dyn Fn() -> anyhow::Result<()>,
    },
    /// The TUI: signs in first (a device sign-in needs the terminal before the screen takes
    /// it), then identifies; it decides on read-only itself.
    Browse,
}

/// The one path to the tenant for every command: connect, the read-only check, the call,
/// and one logout after the call whatever it returned.
async fn with_connection<T>(
    cli: &Cli,
    access: Access<'_>,
    call: impl AsyncFnOnce(&commands::Connected) -> anyhow::Result<T>,
) -> anyhow::Result<T> {
    let mut c = commands::connect(&cli.conn)?;
    // Resume is what the reminder of interrupted runs asks for; the TUI shows its own.
    let remind = matches!(access, Access::Read { .. })
        || matches!(access, Access::Change { command, .. } if command != "resume");
    let notices = match access {
        Access::Read { notices } => notices,
        Access::Change { command, check } => {
            if cli.read_only || c.profile.read_only {
                anyhow::bail!(
                    "read-only (--read-only or the profile's read_only): `{command}` would change users; nothing was sent"
                );
            }
            check()?;
            c = c.identify().await;
            true
        }
        Access::Browse => {
            commands::auth::sign_in_before_tui(&c.client).await?;
            c = c.identify().await;
            false
        }
    };
    let _notices = notices.then(|| NoticePrinter::start(&c.client));
    if remind {
        commands::runs::remind_interrupted(&c);
    }
    let r = call(&c).await;
    c.client.logout().await;
    r
}

const NO_CHECK: &dyn Fn() -> anyhow::Result<()> = &|| Ok(());

/// One arm per command; the connection handling is in `with_connection`.
async fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    let mut stdout = std::io::stdout().lock();
    let read = Access::Read { notices: true };
    match &cli.command {
        Some(Command::Users {
            command: UsersCommand::List(args),
        }) => {
            with_connection(&cli, read, async |c| {
                commands::users::list(&c.client, args, &mut stdout).await
            })
            .await?
        }
        Some(Command::User {
            command: UserCommand::Show(args),
        }) => {
            with_connection(&cli, read, async |c| {
                commands::users::show(&c.client, args, &mut stdout).await
            })
            .await?
        }
        Some(Command::Apply(args)) => return Ok(apply(&cli, args, &mut stdout).await),
        Some(Command::Resume(args)) => return Ok(resume(&cli, args, &mut stdout).await),
        Some(Command::Undo(args)) => return Ok(undo(&cli, args, &mut stdout).await),
        Some(Command::Runs(scimitar::cli::RunsArgs {
            command: Some(scimitar::cli::RunsCommand::Verify(v)),
            ..
        })) => {
            let r = with_connection(&cli, read, async |c| {
                commands::verify::run(c, v, &mut stdout).await
            })
            .await;
            return Ok(exit_for(r));
        }
        Some(Command::Review { command }) => return Ok(review(&cli, command, &mut stdout).await),
        Some(Command::Runs(args)) => commands::runs::run(args, &Paths::discover(), &mut stdout)?,
        Some(Command::Completions { shell }) => commands::docs::completions(*shell, &mut stdout)?,
        Some(Command::Man { dir }) => commands::docs::man(dir.as_deref(), &mut stdout)?,
        Some(Command::Auth {
            command: AuthCommand::Status,
        }) => {
            with_connection(&cli, Access::Read { notices: false }, async |c| {
                commands::auth::status(&c.client, &c.profile_name, &mut stdout).await
            })
            .await?
        }
        Some(Command::Auth {
            command: AuthCommand::Logout,
        }) => commands::auth::logout(&cli.conn, &mut stdout)?,
        Some(Command::Cache {
            command: CacheCommand::Clear,
        }) => commands::cache_clear(&Paths::discover(), &mut stdout)?,
        Some(Command::Fake {
            command: FakeCommand::Serve(args),
        }) => commands::fake::serve(args, &mut stdout).await?,
        Some(Command::Demo(args)) => {
            drop(stdout);
            commands::demo::run(
                args,
                tui_color(cli.color),
                cli.user.clone(),
                csv_at_start(&cli)?,
                cli.read_only,
                cli.conn.auth,
                cli.conn.no_qr,
            )
            .await?
        }
        None => {
            drop(stdout);
            let csv = csv_at_start(&cli)?;
            commands::require_terminal()?;
            let left = with_connection(&cli, Access::Browse, async |c| {
                scimitar::tui::run(c.client.clone(), tui_options(&cli, c, csv)).await
            })
            .await?;
            // Quit during a run: the run is named, with the command that finishes it.
            if let Some(line) = left {
                scimitar::say!("{}", scimitar::untrusted::line(&line));
                return Ok(ExitCode::from(1));
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// `review export` and `review apply`: the exit code says how it went.
async fn review(cli: &Cli, command: &ReviewCommand, out: &mut impl Write) -> ExitCode {
    let r = match command {
        ReviewCommand::Export(args) => {
            let read = Access::Read { notices: true };
            with_connection(cli, read, async |c| commands::review::export(c, args).await)
                .await
                .map(|()| 0)
        }
        ReviewCommand::Apply(args) => {
            let change = Access::Change {
                command: "review apply",
                check: NO_CHECK,
            };
            with_connection(cli, change, async |c| {
                commands::review::apply(c, args, out).await
            })
            .await
        }
    };
    exit_for(r)
}

/// `apply`: checked before connecting, then run; the exit code says how it went.
async fn apply(cli: &Cli, args: &ApplyArgs, out: &mut impl Write) -> ExitCode {
    let check = || Ok(commands::apply::check_input(args)?);
    let change = Access::Change {
        command: "apply",
        check: &check,
    };
    let r = with_connection(cli, change, async |c| {
        commands::apply::apply(c, args, out).await
    })
    .await;
    exit_for(r)
}

/// `resume`: the rest of an interrupted run.
async fn resume(cli: &Cli, args: &ResumeArgs, out: &mut impl Write) -> ExitCode {
    let change = Access::Change {
        command: "resume",
        check: NO_CHECK,
    };
    let r = with_connection(cli, change, async |c| {
        commands::apply::resume(c, args, out).await
    })
    .await;
    exit_for(r.map(|s| s.exit_code()))
}

/// `undo`: a run's users put back as they were; an undo already made (nothing run) exits 0.
async fn undo(cli: &Cli, args: &UndoArgs, out: &mut impl Write) -> ExitCode {
    let change = Access::Change {
        command: "undo",
        check: NO_CHECK,
    };
    let r = with_connection(cli, change, async |c| {
        commands::apply::undo(c, args, out).await
    })
    .await;
    exit_for(r.map(|s| s.map_or(0, |s| s.exit_code())))
}

/// `--csv FILE` for the TUI, with `--column`/`--key`; those two mean nothing without it.
fn csv_at_start(cli: &Cli) -> anyhow::Result<Option<CsvAtStart>> {
    let options = cli.csv_column.options();
    match &cli.csv {
        Some(path) => Ok(Some(CsvAtStart {
            path: path.clone(),
            options,
        })),
        None if options != Default::default() => Err(commands::run::Refused(
            "--column and --key say how to read the file of --csv FILE; give --csv too".into(),
        )
        .into()),
        None => Ok(None),
    }
}

/// The TUI's options; read-only when asked, or when the API user is unknown (any change
/// could include it).
fn tui_options(cli: &Cli, c: &commands::Connected, csv: Option<CsvAtStart>) -> TuiOptions {
    let mut read_only = cli.read_only || c.profile.read_only;
    let mut warnings = Vec::new();
    if let Err(why) = c.require_api_user() {
        read_only = true;
        warnings.push(format!("{why}\nThe TUI is read-only for this session."));
    }
    TuiOptions {
        profile: c.profile_name.clone(),
        tenant: c.client.tenant_label(),
        login: c.client.login().to_string(),
        open_user: cli.user.clone(),
        color: tui_color(cli.color),
        config_dir: Some(c.paths.config_dir.clone()),
        read_only,
        csv,
        data_dir: Some(c.paths.data_dir.clone()),
        protected: c.protected(),
        warnings,
        max_users: c
            .profile
            .max_users
            .unwrap_or(commands::run::DEFAULT_MAX_USERS),
        cache: (!cli.no_cache && c.profile.cache != Some(false)).then(|| c.cache_file()),
    }
}

fn tui_color(c: ColorArg) -> ColorMode {
    match c {
        ColorArg::Auto => ColorMode::Auto,
        ColorArg::Always => ColorMode::Always,
        ColorArg::Never => ColorMode::Never,
    }
}

/// 0 all done, 1 some failed or left, 2 refused or bad input (printed here).
fn exit_for(r: anyhow::Result<u8>) -> ExitCode {
    match r {
        // Reports that could not be written make a clean run exit 1 (the error was said).
        Ok(code) => ExitCode::from(code.max(commands::run::unwritten_reports_code())),
        Err(e) => {
            tracing::error!("{e:#}");
            // Error details can hold server text: made safe for the terminal.
            scimitar::say!("scimitar: {}", scimitar::untrusted::text(&format!("{e:#}")));
            ExitCode::from(2)
        }
    }
}

/// Log lines waiting for the writer thread.
const LOG_QUEUE_LINES: usize = 8192;

/// Logs go to a file in the data directory, never to the screen. SCIMITAR_LOG (or
/// RUST_LOG) sets the level; default info.
fn init_logging() -> Option<tracing_appender::non_blocking::WorkerGuard> {
    let dir = Paths::discover().log_dir();
    create_private_dir(&dir).ok()?;
    // Logs hold user names and emails: the file is private even if the directory is not.
    drop(create_private(&dir.join("scimitar.log"), true).ok()?);
    let appender = tracing_appender::rolling::never(&dir, "scimitar.log");
    // The default queue holds 128,000 lines, 4 MB of slots touched at start, in every
    // command; a short queue that blocks when full loses no line and costs 256 kB.
    let (writer, guard) = tracing_appender::non_blocking::NonBlockingBuilder::default()
        .buffered_lines_limit(LOG_QUEUE_LINES)
        .lossy(false)
        .finish(appender);
    let filter = std::env::var("SCIMITAR_LOG")
        .or_else(|_| std::env::var("RUST_LOG"))
        .unwrap_or_else(|_| "info".into());
    let subscriber = tracing_subscriber::fmt()
        .with_writer(writer)
        .with_ansi(false)
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_new(&filter)
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .finish();
    tracing::subscriber::set_global_default(subscriber).ok()?;
    Some(guard)
}
