//! The detail view: one user, every attribute, the last login, every workspace by name
//! and id. Its keys (tick, actions, copy the id, refresh, scroll), the user's fetch and last
//! login that reach it, and its drawing. It scrolls by rows at any size (down to 60x15), with
//! "↑ N more" / "↓ N more" on its border, bounded by `content_rows` and `layout::detail_rows`.
//! Its state is `state::DetailState`, inside its view (`ViewKind::Detail`).

use crate::tui::text::safe;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};

use crate::scim::User;
use crate::scim::client::LastLogin;
use crate::tui::effect::Effect;
use crate::tui::failure::Failure;
use crate::tui::keymap::Mode;
use crate::tui::msg::Command;
use crate::tui::screens::copy_id;
use crate::tui::state::{DetailState, Popup, State, View, ViewKind};

pub const MODE: Mode = Mode::keys(
    "detail",
    &[
        Command::ToggleSelect,
        Command::Actions,
        Command::CopyId,
        Command::Refresh,
        Command::Back,
        Command::Help,
        Command::Quit,
        Command::Search,
    ],
);

/// Opens the detail of the user with this id over the view, and fetches it fresh.
pub fn open(state: &mut State, id: String) -> Vec<Effect> {
    let detail = Box::new(DetailState::new(id.clone()));
    state.push_view(View::new(ViewKind::Detail(detail)));
    fetch(state, id)
}

/// The header's title.
pub fn title(state: &State, d: &DetailState) -> String {
    let user = state.detail_user();
    let name = user
        .as_ref()
        .map_or(d.key.as_str(), |u| u.user_name.as_str());
    format!("User {}", safe(name))
}

/// A key of the detail view; `None` if it is one every view has.
pub fn on_command(state: &mut State, command: Command) -> Option<Vec<Effect>> {
    if let Some(delta) = command.movement(state.list_height()) {
        scroll(state, delta);
        return Some(Vec::new());
    }
    match command {
        Command::Actions => {
            if let Some(u) = state.detail_user() {
                crate::tui::screens::menu::open_for(state, u);
            }
        }
        Command::ToggleSelect => toggle(state),
        Command::Refresh => {
            let key = state.detail()?.key.clone();
            return Some(fetch(state, key));
        }
        Command::CopyId => return Some(copy_id(state.detail_user().map(|u| u.id))),
        // Open has nothing to open here.
        Command::Open => {}
        _ => return None,
    }
    Some(Vec::new())
}

/// The shown user: ticked or unticked, and the view stays.
fn toggle(state: &mut State) {
    let Some(id) = state.detail_user().map(|u| u.id.clone()) else {
        return;
    };
    let ticked = if state.bulk.selected.remove(&id) {
        false
    } else {
        state.bulk.selected.insert(id);
        true
    };
    state.flash(if ticked {
        format!("ticked ({} selected)", state.bulk.selected.len())
    } else {
        format!("unticked ({} selected)", state.bulk.selected.len())
    });
}

/// Scrolls by `delta` rows, to the last full page.
fn scroll(state: &mut State, delta: isize) {
    let len = content_rows(state).saturating_sub(crate::tui::layout::detail_rows(state.height)) + 1;
    let v = state.view_mut();
    let max = len.saturating_sub(1) as isize;
    v.cursor = (v.cursor as isize).saturating_add(delta).clamp(0, max) as usize;
}

/// Asks for the user fresh (an id, or an email to look up), and its last login.
pub fn fetch(state: &mut State, key: String) -> Vec<Effect> {
    let keep = state
        .detail()
        .filter(|d| d.key == key)
        .and_then(|d| d.user.clone());
    let mut d = DetailState::new(key.clone());
    d.user = keep;
    if state.user(&key).is_some() || !key.contains('@') {
        // An id: its last login can be asked for at once, beside the fresh copy.
        d.last_login_for = Some(key.clone());
        set(state, d);
        vec![
            Effect::GetUser { id: key.clone() },
            Effect::LastLogin { id: key },
        ]
    } else {
        set(state, d);
        vec![Effect::FindUser { query: key }]
    }
}

/// The detail view's state, fresh (the view is on the stack: opened or refreshed).
fn set(state: &mut State, d: DetailState) {
    if let Some(slot) = state.detail_mut() {
        *slot = d;
    }
}

/// A last login came, for the user it was asked for.
pub fn last_login_fetched(state: &mut State, id: String, login: LastLogin) {
    if let Some(d) = state
        .detail_mut()
        .filter(|d| d.last_login_for.as_deref() == Some(id.as_str()))
    {
        d.last_login = Some(login);
    }
}

/// The user came back fresh (a loaded one is updated in the list too), or could not be read.
pub fn user_fetched(state: &mut State, key: String, result: Result<User, Failure>) -> Vec<Effect> {
    if let Ok(u) = &result
        && state.list.index_of(&u.id).is_some()
    {
        state.upsert_users(vec![u.clone()]);
    }
    let Some(d) = state.detail_mut().filter(|d| d.key == key) else {
        return Vec::new();
    };
    d.loading = false;
    match result {
        Ok(u) => {
            d.error = None;
            // Found by email: now its id is known, its last login can be asked for.
            let ask = d.last_login_for.as_deref() != Some(u.id.as_str());
            let id = u.id.clone();
            d.user = Some(u);
            if ask {
                d.last_login_for = Some(id.clone());
                d.last_login = None;
                return vec![Effect::LastLogin { id }];
            }
        }
        Err(failure) => {
            let message = failure.to_string();
            d.error = Some(message.clone());
            state.push_popup(Popup::Error {
                title: format!("Could not read user {key}"),
                message,
            });
        }
    }
    Vec::new()
}

// Drawing.

/// Rows of content the detail view has now (the scrolling's bounds).
pub fn content_rows(state: &State) -> usize {
    lines(state, state.detail_user().as_ref(), state.detail()).len()
}

/// The first row shown for a scroll position: at most the last full page.
pub fn first_row(scroll: usize, content: usize, shown: usize) -> usize {
    scroll.min(content.saturating_sub(shown))
}

pub fn render(state: &State, frame: &mut Frame, area: Rect) {
    render_pane(
        state,
        state.detail_user().as_ref(),
        state.detail(),
        state.view().cursor,
        frame,
        area,
    );
}

/// The detail of `user`; `detail` carries the refresh status and the last login when this is
/// the detail view (the split pane shows loaded data only). `scroll` is the first row.
// Long because a pane laid out line by line, top to bottom.
pub fn render_pane(
    state: &State,
    user: Option<&User>,
    detail: Option<&DetailState>,
    scroll: usize,
    frame: &mut Frame,
    area: Rect,
) {
    let t = &state.theme;
    let all = lines(state, user, detail);
    let shown = usize::from(area.height.saturating_sub(2)).max(1);
    let first = first_row(scroll, all.len(), shown);
    let below = all.len().saturating_sub(first + shown);
    let title = match user {
        Some(u) => format!(" {} ", safe(&u.full_name())),
        None => " User ".to_string(),
    };
    let mut block = block(state, &title);
    if first > 0 {
        block = block.title(Line::styled(format!(" ↑ {first} more "), t.key).right_aligned());
    }
    if below > 0 {
        let keys = if detail.is_some() {
            " (j, G, pgdn)"
        } else {
            ""
        };
        block = block
            .title_bottom(Line::styled(format!(" ↓ {below} more{keys} "), t.key).right_aligned());
    }
    let found = detail.and_then(|_| state.found(crate::tui::find::FindOn::Detail));
    let visible: Vec<Line> = all
        .into_iter()
        .enumerate()
        .skip(first)
        .take(shown)
        .map(|(i, l)| match &found {
            Some((q, current)) => crate::tui::find::highlight(
                l,
                q,
                crate::tui::find::match_style(t, *current == Some(i)),
            ),
            None => l,
        })
        .collect();
    frame.render_widget(Paragraph::new(visible).block(block), area);
}

/// Every row of the detail, unscrolled.
// Long because the detail's rows laid out top to bottom, as they appear.
fn lines<'a>(
    state: &'a State,
    user: Option<&'a User>,
    detail: Option<&DetailState>,
) -> Vec<Line<'a>> {
    let t = &state.theme;
    let mut lines: Vec<Line> = Vec::new();
    if let Some(d) = detail {
        if d.loading {
            lines.push(Line::styled("refreshing from the server…", t.progress));
        } else if let Some(e) = &d.error {
            lines.push(Line::styled(format!("✗ {}", safe(e)), t.error));
        } else {
            lines.push(Line::styled("✓ fresh from the server", t.dim));
        }
    }
    let Some(u) = user else {
        let what = detail.map_or("no user under the cursor".to_string(), |d| {
            if d.loading {
                format!("looking up {}…", safe(&d.key))
            } else {
                format!("no user {}", safe(&d.key))
            }
        });
        lines.push(Line::from(what));
        return lines;
    };
    let field = |k: &'static str, v: Span<'static>| {
        Line::from(vec![Span::styled(format!("{k:<14}"), t.dim), v])
    };
    let opt = |v: &Option<String>| Span::raw(v.as_deref().map_or_else(|| "—".into(), safe));
    lines.push(field("userName", Span::raw(safe(&u.user_name))));
    lines.push(field("id", Span::raw(safe(&u.id))));
    lines.push(field("givenName", opt(&u.given_name)));
    lines.push(field("familyName", opt(&u.family_name)));
    lines.push(field("displayName", opt(&u.display_name)));
    lines.push(field("externalId", opt(&u.external_id)));
    lines.push(field(
        "active",
        if u.active {
            Span::styled("✓ yes", t.active)
        } else {
            Span::styled("✗ no (disabled)", t.inactive)
        },
    ));
    if let Some(d) = detail {
        let login = match &d.last_login {
            _ if d.last_login_for.is_none() => Span::styled("…", t.dim),
            None => Span::styled("asking the integration API…", t.progress),
            Some(l @ LastLogin::Unavailable { .. }) => Span::styled(safe(&l.describe()), t.dim),
            Some(l) => Span::raw(l.describe()),
        };
        lines.push(field("lastLogin", login));
    }
    lines.push(field("created", opt(&u.created)));
    lines.push(field("lastModified", opt(&u.last_modified)));
    lines.push(field(
        "selected",
        if state.bulk.selected.contains(&u.id) {
            Span::styled("[x] ticked", t.ticked)
        } else {
            Span::raw("[ ] no")
        },
    ));
    lines.push(Line::styled(
        format!("workspaces ({})", u.workspaces.len()),
        t.table_header,
    ));
    if u.workspaces.is_empty() {
        lines.push(Line::raw("  none: this user can reach no workspace"));
    }
    let name_w = u
        .workspaces
        .iter()
        .map(|w| crate::untrusted::width(&crate::untrusted::clip(&w.name, 40)))
        .max()
        .unwrap_or(0);
    for w in &u.workspaces {
        lines.push(Line::from(vec![
            Span::raw(format!(
                "  {}  ",
                crate::untrusted::pad(&crate::untrusted::clip(&w.name, 40), name_w)
            )),
            Span::styled(safe(&w.id), t.dim),
        ]));
    }
    lines
}

fn block<'a>(state: &State, title: &str) -> Block<'a> {
    Block::default()
        .borders(Borders::ALL)
        .border_style(state.theme.border)
        .title(Line::styled(title.to_string(), state.theme.title))
}

/// The detail's rows as text (made safe), for the search.
pub fn texts(state: &State) -> Vec<String> {
    lines(state, state.detail_user().as_ref(), state.detail())
        .iter()
        .map(|l| l.spans.iter().map(|s| s.content.as_ref()).collect())
        .collect()
}
