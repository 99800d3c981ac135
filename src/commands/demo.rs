//! `scimitar demo`: a seeded fake Anaplan on 127.0.0.1 and the TUI on it, so anyone can try
//! everything without an Anaplan account.

use std::net::SocketAddr;
use std::time::Duration;

use crate::cli::DemoArgs;
use crate::config::Paths;
use crate::fake::{FakeConfig, FakeServer, Faults};
use crate::scim::ScimClient;
use crate::tui::{ColorMode, TuiOptions};

pub async fn run(
    args: &DemoArgs,
    color: ColorMode,
    open_user: Option<String>,
    csv: Option<crate::tui::CsvAtStart>,
    read_only: bool,
    auth: Option<crate::scim::client::AuthMethod>,
    no_qr: bool,
) -> anyhow::Result<()> {
    crate::commands::require_terminal()?;
    let config = FakeConfig {
        users: args.users.max(2),
        seed: args.seed,
        faults: Faults {
            latency: Duration::from_millis(args.latency_ms),
            ..Faults::default()
        },
        ..FakeConfig::default()
    };
    let fake = FakeServer::start(config, SocketAddr::from(([127, 0, 0, 1], 0))).await?;
    tracing::info!(scim_url = %fake.scim_url, "demo tenant started");
    // The fake sets no limit of its own; the demo should feel like a fast tenant.
    let (conn, _cert_dir) = crate::commands::auth::demo_connection(&fake, auth, no_qr)?;
    let client = ScimClient::new(conn)?;
    crate::commands::auth::sign_in_before_tui(&client).await?;
    let identity = crate::scim::identity::identify(&client, None).await;
    let paths = Paths::discover();
    let opts = TuiOptions {
        profile: "demo".into(),
        tenant: client.tenant_label(),
        login: client.login().to_string(),
        open_user,
        color,
        config_dir: Some(paths.config_dir),
        read_only,
        csv,
        data_dir: Some(paths.data_dir),
        protected: crate::plan::Protected {
            api_user: identity.api_user.clone(),
            accounts: identity.aliases.clone(),
        },
        max_users: crate::batch::driver::DEFAULT_MAX_USERS,
        warnings: Vec::new(),
        // A demo tenant is seeded afresh every time: nothing to cache.
        cache: None,
    };
    let result = crate::tui::run(client.clone(), opts).await;
    client.logout().await;
    fake.shutdown().await;
    // The demo tenant goes with the process: a run left in it cannot be resumed.
    result.map(|_left| ())
}
