//! Command-line arguments. Connection options are global: every command takes them, and
//! each also reads an environment variable. Secrets are deliberately not options.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::scim::client::AuthMethod;

const AFTER_HELP: &str = "\
Secrets are never taken from the command line. The password (basic, token) comes from
SCIMITAR_PASSWORD, the bearer token or API key (bearer) from SCIMITAR_BEARER; or from
--secret-file (mode 0600); or from a prompt when a terminal is attached. With --auth cert,
the key file must be mode 0600 and an encrypted key's passphrase comes from
SCIMITAR_KEY_PASSPHRASE or a prompt.

Exit codes: 0 done; 1 some changes failed; 2 bad input, refused, or cannot connect.

Try it without an Anaplan account: `scimitar demo`.";

/// The heading of the flags every command takes that are not about connecting.
pub const GLOBAL_HEADING: &str = "Global (every command)";

#[derive(Debug, Parser)]
#[command(name = "scimitar", version, about = "Administer the users of an Anaplan tenant from a terminal", after_help = AFTER_HELP)]
pub struct Cli {
    /// Open the TUI straight on this user's details: an id, an email, an externalId or a
    /// display name (as `user show` takes).
    #[arg(long, value_name = "ID_OR_EMAIL")]
    pub user: Option<String>,

    /// Look, never change: the TUI hides and refuses every change; apply, resume and undo
    /// refuse to run. Also `read_only = true` in a profile.
    #[arg(long, global = true, help_heading = GLOBAL_HEADING)]
    pub read_only: bool,

    /// Open the TUI with the users of this CSV: it is read and resolved at once, and its
    /// report shown before anything is selected.
    #[arg(long, value_name = "FILE")]
    pub csv: Option<PathBuf>,

    #[command(flatten)]
    pub csv_column: CsvColumnArgs,

    /// Write CSV cells exactly as they are: no `'` before cells that start with = + - @ tab or
    /// CR (which a spreadsheet would run as formulas). For machine consumers only.
    #[arg(long, global = true, help_heading = GLOBAL_HEADING)]
    pub csv_raw: bool,

    /// Neither open from nor write the local copy of the tenant's users (also `cache = false`
    /// in a profile). By default the TUI opens from that copy at once and refreshes it.
    #[arg(long, global = true, help_heading = GLOBAL_HEADING)]
    pub no_cache: bool,

    /// Colours: auto honours NO_COLOR.
    #[arg(long, value_enum, default_value_t = ColorArg::Auto, global = true, help_heading = GLOBAL_HEADING)]
    pub color: ColorArg,

    // Last: its help heading covers it alone.
    #[command(flatten)]
    pub conn: ConnArgs,

    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorArg {
    Auto,
    Always,
    Never,
}

/// Shown apart from each command's own options in the `--help` of every command that
/// reaches the tenant (see [`command`]).
pub const CONNECTION_HEADING: &str =
    "Connection (commands that reach the tenant; also SCIMITAR_* variables)";

/// Commands that never reach a tenant: their help leaves the connection options out (they
/// are still accepted, as every global option is). Not `demo`: it reads --auth and --no-qr.
const OFFLINE: &[&[&str]] = &[
    &["completions"],
    &["man"],
    &["cache"],
    &["cache", "clear"],
    &["fake"],
    &["fake", "serve"],
    &["runs"],
    &["runs", "show"],
];

/// The parser and the help of the program: the derived definitions, with the connection
/// options hidden from the help of the commands that do not connect. `main`, completions and
/// the man page all use it.
pub fn command() -> clap::Command {
    use clap::CommandFactory;
    // Hidden copies given before the build: clap then does not propagate the global ones
    // into these commands (an argument already there is kept).
    let shown: Vec<clap::Arg> = ConnArgs::augment_args(clap::Command::new("conn"))
        .get_arguments()
        .cloned()
        .collect();
    let hidden: Vec<clap::Arg> = shown.iter().map(|a| a.clone().hide(true)).collect();
    let cmd = OFFLINE
        .iter()
        .fold(Cli::command(), |cmd, path| add_in(cmd, path, &hidden));
    // `runs` lists local journals, but `runs verify` asks the Audit API.
    add_in(cmd, &["runs", "verify"], &shown)
}

/// Adds `args` to the command at `path`, but none it already has (`fake serve` has its own
/// `--rate-limit`).
fn add_in(cmd: clap::Command, path: &[&str], args: &[clap::Arg]) -> clap::Command {
    match path {
        [] => {
            let new: Vec<clap::Arg> = args
                .iter()
                .filter(|a| !cmd.get_arguments().any(|b| b.get_id() == a.get_id()))
                .cloned()
                .collect();
            cmd.args(new)
        }
        [first, rest @ ..] => cmd.mut_subcommand(*first, |sc| add_in(sc, rest, args)),
    }
}

#[derive(Debug, Args, Clone, Default)]
#[command(next_help_heading = CONNECTION_HEADING)]
pub struct ConnArgs {
    /// SCIM base URL [default: https://api.anaplan.com/scim/1/0/v2]
    #[arg(long, env = "SCIMITAR_SCIM_URL", global = true, value_name = "URL")]
    pub scim_url: Option<String>,
    /// Auth service base URL [default: https://auth.anaplan.com]
    #[arg(long, env = "SCIMITAR_AUTH_URL", global = true, value_name = "URL")]
    pub auth_url: Option<String>,
    /// Integration API base URL, for the workspace list [default: https://api.anaplan.com/2/0]
    #[arg(long, env = "SCIMITAR_API_URL", global = true, value_name = "URL")]
    pub api_url: Option<String>,
    /// Audit API base URL, for `runs verify` and `--verify` [default: https://audit.anaplan.com/audit/api/1]
    #[arg(long, env = "SCIMITAR_AUDIT_URL", global = true, value_name = "URL")]
    pub audit_url: Option<String>,
    /// How to authenticate [default: token]
    #[arg(
        long,
        env = "SCIMITAR_AUTH",
        global = true,
        value_parser = clap::builder::TypedValueParser::map(
            clap::builder::EnumValueParser::<AuthArg>::new(),
            AuthMethod::from
        )
    )]
    pub auth: Option<AuthMethod>,
    /// Login (email) for basic and token authentication.
    #[arg(long, env = "SCIMITAR_LOGIN", global = true)]
    pub login: Option<String>,
    /// Profile in config.toml.
    #[arg(long, env = "SCIMITAR_PROFILE", global = true)]
    pub profile: Option<String>,
    /// File holding the password or bearer token (must be mode 0600).
    #[arg(long, env = "SCIMITAR_SECRET_FILE", global = true, value_name = "FILE")]
    pub secret_file: Option<PathBuf>,
    /// With --auth cert: the certificate (PEM) uploaded to Anaplan's certificate authority list.
    #[arg(long, env = "SCIMITAR_CERT_FILE", global = true, value_name = "PEM")]
    pub cert_file: Option<PathBuf>,
    /// With --auth cert: its RSA private key (PEM, mode 0600; an encrypted key's passphrase
    /// comes from SCIMITAR_KEY_PASSPHRASE or a prompt).
    #[arg(long, env = "SCIMITAR_KEY_FILE", global = true, value_name = "PEM")]
    pub key_file: Option<PathBuf>,
    /// With --auth oauth: the OAuth server [e.g. https://us1a.app.anaplan.com].
    #[arg(long, env = "SCIMITAR_OAUTH_URL", global = true, value_name = "URL")]
    pub oauth_url: Option<String>,
    /// With --auth oauth: the OAuth client's id (a device grant client).
    #[arg(long, env = "SCIMITAR_CLIENT_ID", global = true, value_name = "ID")]
    pub client_id: Option<String>,
    /// With --auth oauth: do not draw the sign-in URL as a QR code.
    #[arg(long, global = true)]
    pub no_qr: bool,
    /// Extra CA certificate (PEM) to trust, e.g. a corporate proxy's.
    #[arg(long, env = "SCIMITAR_CA_CERT", global = true, value_name = "PEM")]
    pub ca_cert: Option<PathBuf>,
    /// DANGEROUS: do not verify TLS certificates. Prints a warning on every run.
    #[arg(long, global = true)]
    pub insecure_skip_tls_verify: bool,
    /// Client-side request budget per minute (0 = no client limit) [default: 500]
    #[arg(
        long,
        env = "SCIMITAR_RATE_LIMIT",
        global = true,
        value_name = "PER_MINUTE"
    )]
    pub rate_limit: Option<u32>,
    /// The email of the user these credentials sign in as, when the integration API cannot
    /// tell (it is protected in every plan). Also `api_user` in a profile.
    #[arg(long, env = "SCIMITAR_API_USER", global = true, value_name = "EMAIL")]
    pub api_user: Option<String>,
    /// Seconds before a request times out.
    #[arg(long, global = true, default_value_t = 30, value_name = "SECONDS")]
    pub timeout: u64,
}

/// `--auth`: the command line's names for [`AuthMethod`] (the clap derive stays here, off the
/// protocol's type).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum AuthArg {
    /// Basic credentials on every SCIM call.
    Basic,
    /// Anaplan auth token from the auth service, refreshed ahead of its 35-minute expiry.
    Token,
    /// An API key or OAuth access token sent as `Authorization: Bearer`.
    Bearer,
    /// A CA certificate and its RSA key (--cert-file, --key-file) sign in for an Anaplan
    /// auth token.
    Cert,
    /// The OAuth device grant: approve once on any device; the refresh token is kept per
    /// profile.
    Oauth,
}

impl From<AuthArg> for AuthMethod {
    fn from(a: AuthArg) -> AuthMethod {
        match a {
            AuthArg::Basic => AuthMethod::Basic,
            AuthArg::Token => AuthMethod::Token,
            AuthArg::Bearer => AuthMethod::Bearer,
            AuthArg::Cert => AuthMethod::Cert,
            AuthArg::Oauth => AuthMethod::Oauth,
        }
    }
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// List tenant users.
    Users {
        #[command(subcommand)]
        command: UsersCommand,
    },
    /// Show one user and every workspace it can reach.
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
    /// Run the local fake Anaplan.
    Fake {
        #[command(subcommand)]
        command: FakeCommand,
    },
    /// Start a fake Anaplan on 127.0.0.1 with a seeded tenant and open the TUI on it.
    Demo(DemoArgs),
    /// Plan a change for many users, preview it, confirm, and run it with a journal.
    ///
    /// Exit codes: 0 every user done (or nothing to do); 1 some failed or were left;
    /// 2 bad input, refused (cap, no confirmation) or cannot connect.
    Apply(ApplyArgs),
    /// Finish an interrupted run from its journal (re-checks the requests that were in flight).
    Resume(ResumeArgs),
    /// Put users back as a journal recorded them before a run (re-enable, restore workspaces).
    Undo(UndoArgs),
    /// Past runs, from the journals: when, tenant, action, counts, state.
    ///
    /// States: running, interrupted (resume finishes it), complete, undone (an undo of it
    /// completed). `runs show ID|PATH` prints one run with every failure's full reason.
    /// Reads local journals only; nothing is sent.
    Runs(RunsArgs),
    /// Print a shell completion script (bash, zsh or fish).
    ///
    /// E.g. `scimitar completions bash > ~/.local/share/bash-completion/completions/scimitar`.
    Completions {
        #[arg(value_enum)]
        shell: CompletionShell,
    },
    /// Print the man page (roff), or write one page per command with --dir.
    ///
    /// E.g. `scimitar man > scimitar.1; man ./scimitar.1`, or `scimitar man --dir man/` for
    /// scimitar.1, scimitar-apply.1, ...
    Man {
        /// Write scimitar.1 and a page for every command into this directory.
        #[arg(long, value_name = "DIR")]
        dir: Option<PathBuf>,
    },
    /// Who is signed in, by which method, until when.
    Auth {
        #[command(subcommand)]
        command: AuthCommand,
    },
    /// The local copy of tenants' users the TUI opens from.
    Cache {
        #[command(subcommand)]
        command: CacheCommand,
    },
    /// Access reviews: export a CSV for workspace owners to fill in, then apply their
    /// decisions as one plan (preview, confirmation, journal, undo as every run).
    Review {
        #[command(subcommand)]
        command: ReviewCommand,
    },
}

#[derive(Debug, Subcommand)]
pub enum ReviewCommand {
    /// Write one row per user and workspace, with an empty `decision` column.
    Export(ReviewExportArgs),
    /// Turn a filled-in review into one plan and run it.
    Apply(ReviewApplyArgs),
}

#[derive(Debug, Args, Clone)]
pub struct ReviewExportArgs {
    /// A workspace to review, by id or exact name; repeat for more [default: every workspace].
    #[arg(long, value_name = "NAME_OR_ID")]
    pub workspace: Vec<String>,
    /// Only users whose last login is more than N days ago or who never signed in (as
    /// `users list --inactive-days`); users whose last login cannot be read are left out.
    #[arg(long, value_name = "DAYS", allow_hyphen_values = true, value_parser = crate::plan::inactivity::parse_days)]
    pub inactive_days: Option<u32>,
    /// The review file to write (UTF-8 with BOM, CRLF).
    #[arg(long, value_name = "FILE.csv")]
    pub out: PathBuf,
    /// Overwrite --out if it exists.
    #[arg(long)]
    pub force: bool,
}

#[derive(Debug, Args, Clone)]
pub struct ReviewApplyArgs {
    /// The filled-in review file.
    pub file: PathBuf,
    /// Show the plan and stop; nothing is sent.
    #[arg(long)]
    pub dry_run: bool,
    #[command(flatten)]
    pub run: RunFlags,
    #[command(flatten)]
    pub new_run: NewRunFlags,
    /// Save the plan (JSON, with its hash and the review file's sha256) to this file.
    #[arg(long, value_name = "FILE")]
    pub save_plan: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
pub enum CacheCommand {
    /// Remove every cached user list (the next start loads from the tenant).
    Clear,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum CompletionShell {
    Bash,
    Zsh,
    Fish,
}

#[derive(Debug, Subcommand)]
pub enum AuthCommand {
    /// Sign in and show who, by which method, until when (and the certificate's subject and
    /// expiry with --auth cert).
    Status,
    /// Forget the OAuth sign-in kept for the profile (the next start asks for approval again).
    Logout,
}

#[derive(Debug, Subcommand)]
pub enum UsersCommand {
    /// List users (one page unless --all).
    List(ListArgs),
}

#[derive(Debug, Args)]
pub struct ListArgs {
    /// SCIM filter, e.g. 'active eq false and name.familyName eq "Smith"'.
    #[arg(long, value_name = "EXPR")]
    pub filter: Option<String>,
    /// Every page, not only the first.
    #[arg(long)]
    pub all: bool,
    /// Only the members of this workspace (id, or exact name), answered from every user of
    /// the tenant (every page is read; SCIM cannot filter on workspaces).
    #[arg(long, value_name = "NAME_OR_ID")]
    pub workspace: Option<String>,
    #[arg(long, value_enum, default_value_t = ListFormat::Table)]
    pub format: ListFormat,
    /// Page size (at most 100).
    #[arg(long, default_value_t = 100, value_parser = clap::value_parser!(u32).range(1..=100))]
    pub count: u32,
    /// Pages fetched at once with --all.
    #[arg(long, default_value_t = 8, value_parser = clap::value_parser!(u32).range(1..=64))]
    pub concurrency: u32,
    /// Add each user's last login (from the integration API's user list, a few requests for
    /// the whole tenant): `lastLogin` in JSON, a `last login` column in table and CSV.
    #[arg(long)]
    pub last_login: bool,
    /// Only users whose last login is more than N days ago, or who never signed in (reads
    /// every page; adds the last login). Users whose last login cannot be read are never kept;
    /// they are counted and named on stderr.
    #[arg(long, value_name = "DAYS", allow_hyphen_values = true, value_parser = crate::plan::inactivity::parse_days)]
    pub inactive_days: Option<u32>,
    /// Only users who never signed in (reads every page; adds the last login).
    #[arg(long, conflicts_with = "inactive_days")]
    pub never_logged_in: bool,
}

/// What every command that prints users or runs takes as `--format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ListFormat {
    /// For people (`text` is accepted too).
    #[value(alias = "text")]
    Table,
    Json,
    Csv,
}

#[derive(Debug, Args)]
pub struct RunsArgs {
    #[command(subcommand)]
    pub command: Option<RunsCommand>,
    #[arg(long, value_enum, default_value_t = RunsFormat::Table)]
    pub format: RunsFormat,
    /// Only the runs that looked at this user (an id, or an email / userName), newest first.
    #[arg(long, value_name = "EMAIL_OR_ID")]
    pub user: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum RunsCommand {
    /// One run: its summary, what to do next, and every failed user with the full reason.
    Show(RunsShowArgs),
    /// Reconcile a run with Anaplan's audit log: every expected event (USR-4 disabled, USR-3
    /// enabled, USR-22/USR-21 per workspace) found or not, and changes to the same users since.
    ///
    /// Exit codes: 0 everything found and nothing changed since; 1 otherwise; 2 could not
    /// ask (no Tenant Auditor role, bearer sign-in, a run over 30 days old, ...). Needs the
    /// Tenant Auditor role and a password, certificate or OAuth sign-in.
    Verify(RunsVerifyArgs),
}

#[derive(Debug, Args)]
pub struct RunsVerifyArgs {
    /// A batch id (or its first characters), a journal's file name, or a journal's path.
    #[arg(value_name = "ID|PATH")]
    pub run: String,
    #[arg(long, value_enum, default_value_t = ListFormat::Table)]
    pub format: ListFormat,
    /// Audit events can lag: ask again until every expected event is found or this many
    /// seconds have passed.
    #[arg(long, default_value_t = 0, value_name = "SECONDS")]
    pub wait: u64,
}

#[derive(Debug, Args)]
pub struct RunsShowArgs {
    /// A batch id (or its first characters, as `scimitar runs` lists them), a journal's file
    /// name, or the path of a journal.
    #[arg(value_name = "ID|PATH")]
    pub run: String,
    #[arg(long, value_enum, default_value_t = RunsFormat::Table)]
    pub format: RunsFormat,
    /// Every user the run looked at, with its state before -> after, not only the failures.
    #[arg(long)]
    pub all: bool,
}

/// Runs print in the formats users do.
pub type RunsFormat = ListFormat;

#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Show a user by id, email, externalId or display name.
    Show(ShowArgs),
}

#[derive(Debug, Args)]
pub struct ShowArgs {
    /// A user id, an email (`userName eq`), an externalId, or a display name ("Karen
    /// Rivera", matched on given and family name). A name several users share lists them.
    #[arg(value_name = "ID|EMAIL|EXTERNAL_ID|NAME")]
    pub id_or_email: String,
    #[arg(long, value_enum, default_value_t = ShowFormat::Table)]
    pub format: ShowFormat,
}

/// One user prints in the formats a list does (`text` is `table`).
pub type ShowFormat = ListFormat;

#[derive(Debug, Subcommand)]
pub enum FakeCommand {
    /// Serve a fake Anaplan (SCIM, auth service, integration API) until SIGINT or SIGTERM.
    /// The first line on stdout is a JSON object with scim_url, auth_url, login, password, api_key,
    /// oauth_url, client_id, and cert_file and key_file (written 0600 in a temporary directory).
    Serve(FakeServeArgs),
}

#[derive(Debug, Args, Clone)]
pub struct FakeServeArgs {
    /// Address to listen on (loopback only is sensible).
    #[arg(long, default_value = "127.0.0.1:0")]
    pub listen: std::net::SocketAddr,
    /// Users in the seeded tenant.
    #[arg(long, default_value_t = 3000)]
    pub users: usize,
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    /// Added to every request.
    #[arg(long, default_value_t = 0)]
    pub latency_ms: u64,
    /// Share of requests answered 500/503 (0..1).
    #[arg(long, default_value_t = 0.0)]
    pub error_rate: f64,
    /// Share of requests answered 429 with Retry-After (0..1).
    #[arg(long, default_value_t = 0.0)]
    pub rate_429: f64,
    /// Share of requests whose connection is dropped (0..1).
    #[arg(long, default_value_t = 0.0)]
    pub drop_rate: f64,
    /// Tenant rate limit (token bucket), answered with 429 + Retry-After.
    #[arg(long, value_name = "PER_MINUTE")]
    pub rate_limit: Option<u32>,
    /// Fault: every list request (GET /Users) is answered by a proxy's HTML 502 page.
    #[arg(long)]
    pub html_502_lists: bool,
    /// Fault: once N PATCHes were answered, every /Users request is answered 401 (a token
    /// revoked mid-run).
    #[arg(long, value_name = "N")]
    pub unauthorized_after_writes: Option<u64>,
    /// Fault: once N PATCHes were answered, no /Users request is answered at all (hung).
    #[arg(long, value_name = "N")]
    pub hang_after_writes: Option<u64>,
    /// Fault: once N PATCHes were answered, every GET of /Users is answered 503 while
    /// PATCHes still work.
    #[arg(long, value_name = "N")]
    pub fail_reads_after_writes: Option<u64>,
    /// Fault: every /Users answer is a 200 of this many bytes (after a PATCH is applied).
    #[arg(long, value_name = "BYTES")]
    pub oversize_answers: Option<u64>,
    /// Auth token lifetime.
    #[arg(long, default_value_t = 35 * 60, value_name = "SECONDS")]
    pub token_ttl: u64,
    /// Serve the payload oddities seen in Anaplan's documentation.
    #[arg(long)]
    pub quirks: bool,
    /// Approve OAuth device sign-ins automatically this long after they start.
    #[arg(long, default_value_t = 2, value_name = "SECS")]
    pub oauth_approve_after: u64,
    /// The tenant's customer id (users/me); another id on the same host is another tenant.
    #[arg(long, value_name = "ID")]
    pub customer_id: Option<String>,
    /// Also seed hostile users and workspaces: escape sequences, bidi and zero-width
    /// characters, 100,000-character names, formula-looking values.
    #[arg(long)]
    pub hostile: bool,
    /// How to answer: `anaplan` as documented (PATCH answers 200 with the user), or `rfc`
    /// as RFC 7644 servers do (PATCH answers 204 with no body; a filtered replace or remove
    /// that matches nothing is 400 noTarget; filters on `id` find nobody; entitlements are
    /// stored as sent, `display` included).
    #[arg(long, value_enum, default_value_t = DialectArg::Anaplan)]
    pub dialect: DialectArg,
    /// Answer 500 to a filter with more than N terms joined by `or`.
    #[arg(long, value_name = "N")]
    pub max_filter_terms: Option<usize>,
    /// Body of a 401 from /Users: `scim` (a SCIM error) or `html-empty` (an empty text/html
    /// body with `WWW-Authenticate: Bearer`, as some gateways send).
    #[arg(long, value_enum, default_value_t = AuthFailureBodyArg::Scim)]
    pub auth_failure_body: AuthFailureBodyArg,
    /// Fault: every list page claims this many results (totalResults), whatever the tenant.
    #[arg(long, value_name = "N")]
    pub lie_total_results: Option<u64>,
    /// Fault: every list page, at any startIndex, is full of users never seen before.
    #[arg(long)]
    pub endless_pages: bool,
    /// Fault: send this `Retry-After` (seconds) on every 429 instead of the honest wait.
    #[arg(long, value_name = "SECONDS")]
    pub retry_after: Option<u64>,
    /// Fault: answer the first N requests to /Users with 429.
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub throttle_first: u64,
    /// The integration API's user list (/2/0/users) answers at most N users a page, whatever
    /// is asked, without saying so.
    #[arg(long, value_name = "N", default_value_t = 4500)]
    pub users_page_cap: usize,
    /// Fault: lose the answer of a PATCH (or of a GET by id) for the users --lost-share
    /// picks: applied-then-500, applied-then-dropped, applied-then-hang, truncated-200,
    /// html-200 (each applied, then answered so), claim-not-stored (200 with the changed
    /// user, nothing stored), other-user-get (GET /Users/{id} answers another user's JSON).
    #[arg(long, value_enum, value_name = "KIND")]
    pub lost_answer: Option<LostAnswerArg>,
    /// Share of users --lost-answer hits (0..1), the same users every time.
    #[arg(long, default_value_t = 1.0, value_name = "SHARE")]
    pub lost_share: f64,
    /// --lost-answer on every PATCH of a user it hits, not only the first.
    #[arg(long)]
    pub lost_every_try: bool,
    /// How long an applied-then-hang answer waits before its body.
    #[arg(long, default_value_t = 600, value_name = "SECONDS")]
    pub lost_hang: u64,
    /// After the first lost answer, answer every /Users request 503 (the server went down).
    #[arg(long)]
    pub lost_then_down: bool,
    /// Fault: audit events appear this long after the change they record.
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub audit_lag_ms: u64,
    /// Fault: this share (0..100) of audit events is never recorded.
    #[arg(long, value_name = "P", default_value_t = 0.0)]
    pub audit_drop_percent: f64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LostAnswerArg {
    AppliedThen500,
    AppliedThenDropped,
    AppliedThenHang,
    Truncated200,
    Html200,
    ClaimNotStored,
    OtherUserGet,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DialectArg {
    Anaplan,
    Rfc,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum AuthFailureBodyArg {
    Scim,
    HtmlEmpty,
}

#[derive(Debug, Args, Clone)]
pub struct DemoArgs {
    /// Users in the demo tenant.
    #[arg(long, default_value_t = 3000)]
    pub users: usize,
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    /// Added to every request, to feel a slow link.
    #[arg(long, default_value_t = 0)]
    pub latency_ms: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ActionArg {
    Disable,
    RemoveWorkspaces,
    KeepWorkspaces,
    Enable,
    DisableAndRemove,
}

#[derive(Debug, Args, Clone)]
#[command(group(clap::ArgGroup::new("source").required(true).multiple(true).args(["csv", "filter", "plan", "inactive_days", "never_logged_in"])))]
#[command(group(clap::ArgGroup::new("input").args(["csv", "filter", "plan"])))]
pub struct ApplyArgs {
    /// Users from a CSV file (Users-tab export, a column of ids or emails, ...).
    #[arg(long, value_name = "FILE")]
    pub csv: Option<PathBuf>,
    /// Users matching a SCIM filter.
    #[arg(long, value_name = "EXPR")]
    pub filter: Option<String>,
    /// A plan saved earlier (its action and users; the hash is checked).
    #[arg(long, value_name = "FILE")]
    pub plan: Option<PathBuf>,
    /// What to do to each user (not with --plan).
    #[arg(
        long,
        value_enum,
        required_unless_present = "plan",
        conflicts_with = "plan"
    )]
    pub action: Option<ActionArg>,
    /// With keep-workspaces: a workspace to keep, by id or exact name; repeat for more.
    #[arg(long, value_name = "WORKSPACE")]
    pub keep: Vec<String>,
    /// Show the plan and stop; nothing is sent.
    #[arg(long)]
    pub dry_run: bool,
    #[command(flatten)]
    pub run: RunFlags,
    #[command(flatten)]
    pub new_run: NewRunFlags,
    /// Save the plan (JSON, with its hash) to this file.
    #[arg(long, value_name = "FILE")]
    pub save_plan: Option<PathBuf>,
    #[command(flatten)]
    pub csv_column: CsvColumnArgs,
    /// Save the CSV resolution report (with --csv) to this file.
    #[arg(long, value_name = "FILE")]
    pub csv_report: Option<PathBuf>,
    /// Input rows that could not be used (not found in the tenant, malformed) are expected:
    /// they no longer make the exit code 1.
    #[arg(long)]
    pub allow_missing: bool,
    /// Only users whose last login is more than N days ago, or who never signed in (among
    /// --csv or --filter users, else among every user). Users whose last login cannot be read
    /// are never selected; they are counted and named.
    #[arg(long, value_name = "DAYS", allow_hyphen_values = true, conflicts_with = "plan", value_parser = crate::plan::inactivity::parse_days)]
    pub inactive_days: Option<u32>,
    /// Only users who never signed in (among --csv or --filter users, else every user).
    #[arg(long, conflicts_with_all = ["plan", "inactive_days"])]
    pub never_logged_in: bool,
    /// Leave the users of this CSV alone (read like --csv); they are counted as `excluded`.
    #[arg(long, value_name = "FILE", conflicts_with = "plan")]
    pub exclude_csv: Option<PathBuf>,
}

/// What every command that changes users takes.
#[derive(Debug, Args, Clone)]
pub struct RunFlags {
    /// Do not ask for confirmation (required when no terminal is attached).
    #[arg(long)]
    pub yes: bool,
    /// Requests in flight at most (halves on 429, grows back).
    #[arg(long, default_value_t = 8, value_parser = clap::value_parser!(u32).range(1..=64))]
    pub concurrency: u32,
    /// After the run, reconcile it with Anaplan's audit log (as `runs verify`), waiting up
    /// to SECONDS for lagging events [default with no value: 60]; printed in the summary.
    #[arg(long, value_name = "SECONDS", num_args = 0..=1, default_missing_value = "60")]
    pub verify: Option<u64>,
    /// Run even when another run of the same tenant is going (with --yes such a run is
    /// otherwise refused; at a terminal, it is asked).
    #[arg(long)]
    pub allow_concurrent: bool,
}

/// What every command that starts a new run from a plan (apply, review apply) takes.
#[derive(Debug, Args, Clone, Default)]
pub struct NewRunFlags {
    /// Refuse plans that change more users than this [default: the profile's, or 500].
    #[arg(long, value_name = "N")]
    pub max_users: Option<usize>,
    /// Journal file [default: a new file in the data directory's journals/].
    #[arg(long, value_name = "FILE")]
    pub journal: Option<PathBuf>,
}

/// What resume and undo take to use a journal whose seal does not verify.
#[derive(Debug, Args, Clone)]
pub struct TrustFlags {
    /// Use a journal whose seal does not verify (edited, or made by another installation):
    /// what it would grant is listed user by user and must be confirmed again, by typing
    /// `trust N` or, without a terminal, with --trust-journal-count N. --yes alone never trusts.
    #[arg(long)]
    pub trust_journal: bool,
    /// With --trust-journal and no terminal: the number of users listed, as the confirmation.
    #[arg(long, value_name = "N", requires = "trust_journal")]
    pub trust_journal_count: Option<usize>,
}

#[derive(Debug, Args, Clone)]
pub struct ResumeArgs {
    /// The interrupted run: its batch id (or its first characters, as `scimitar runs` lists
    /// them), a journal's file name, or a journal's path.
    #[arg(value_name = "ID|PATH")]
    pub journal: String,
    /// Retry only the users that failed (by default resume finishes what is left, re-checks
    /// requests that were in flight, and retries failures, as the TUI does).
    #[arg(long)]
    pub failed_only: bool,
    #[command(flatten)]
    pub trust: TrustFlags,
    #[command(flatten)]
    pub run: RunFlags,
}

#[derive(Debug, Args, Clone)]
pub struct UndoArgs {
    /// The run to undo: its batch id (or its first characters, as `scimitar runs` lists them),
    /// a journal's file name, or a journal's path.
    #[arg(value_name = "ID|PATH")]
    pub journal: String,
    /// Show the undo plan and stop; nothing is sent.
    #[arg(long)]
    pub dry_run: bool,
    /// Save the undo plan (JSON, with its hash) to this file; `apply --plan FILE` runs it.
    #[arg(long, value_name = "FILE")]
    pub save_plan: Option<PathBuf>,
    /// Undo a run again that an undo run already put back.
    #[arg(long)]
    pub again: bool,
    #[command(flatten)]
    pub trust: TrustFlags,
    #[command(flatten)]
    pub run: RunFlags,
    /// Refuse undo plans that change more users than this [default: the profile's, or 500].
    #[arg(long, value_name = "N")]
    pub max_users: Option<usize>,
    /// Journal of the undo run [default: a new file beside the others].
    #[arg(long, value_name = "FILE")]
    pub undo_journal: Option<PathBuf>,
}

/// Which column of a CSV to read, for files whose headers scimitar does not know.
#[derive(Debug, Args, Clone, Default)]
pub struct CsvColumnArgs {
    /// The CSV column to read: its header (any case), or its 1-based position (`--column 1`)
    /// for a file without a header. By default it is detected from the header.
    #[arg(long, value_name = "NAME|N")]
    pub column: Option<String>,
    /// What the column holds [default: from its header, or each value's shape].
    #[arg(long, value_enum, value_name = "KIND")]
    pub key: Option<KeyArg>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum KeyArg {
    /// SCIM user ids.
    Id,
    /// userNames, looked up with `userName eq`.
    #[value(name = "userName", alias = "username")]
    UserName,
    /// Email addresses (Anaplan's userNames).
    Email,
    /// externalIds (HR's employee numbers), looked up with `externalId eq`, ignoring case.
    #[value(name = "externalId", alias = "externalid")]
    ExternalId,
}

impl CsvColumnArgs {
    /// The reading options these flags ask for.
    pub fn options(&self) -> crate::input::csv::ReadOptions {
        use crate::input::key::ColumnKind;
        crate::input::csv::ReadOptions {
            column: self.column.clone(),
            key: self.key.map(|k| match k {
                KeyArg::Id => ColumnKind::Id,
                KeyArg::UserName => ColumnKind::UserName,
                KeyArg::Email => ColumnKind::Email,
                KeyArg::ExternalId => ColumnKind::ExternalId,
            }),
        }
    }
}
