//! One user: every attribute, every workspace by name and id.

use crate::tui::view::safe;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};

use crate::scim::User;
use crate::tui::state::{DetailState, State};

pub fn render(state: &State, frame: &mut Frame, area: Rect) {
    render_pane(
        state,
        state.detail_user(),
        state.detail.as_ref(),
        state.view().cursor,
        frame,
        area,
    );
}

/// The detail of `user`; `detail` carries the refresh status when this is the detail view
/// (the split pane shows loaded data only). `scroll` skips workspace rows.
pub fn render_pane(
    state: &State,
    user: Option<&User>,
    detail: Option<&DetailState>,
    scroll: usize,
    frame: &mut Frame,
    area: Rect,
) {
    let t = &state.theme;
    let mut lines: Vec<Line> = Vec::new();
    if let Some(d) = detail {
        if d.loading {
            lines.push(Line::styled("refreshing from the server…", t.progress));
        } else if let Some(e) = &d.error {
            lines.push(Line::styled(format!("✗ {e}"), t.error));
        } else {
            lines.push(Line::styled("✓ fresh from the server", t.dim));
        }
    }
    let Some(u) = user else {
        let what = detail.map_or("no user under the cursor".to_string(), |d| {
            if d.loading {
                format!("looking up {}…", d.key)
            } else {
                format!("no user {}", d.key)
            }
        });
        lines.push(Line::from(what));
        frame.render_widget(Paragraph::new(lines).block(block(state, " User ")), area);
        return;
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
    let skip = scroll.min(u.workspaces.len().saturating_sub(1));
    if skip > 0 {
        lines.push(Line::styled(format!("  … {skip} above"), t.dim));
    }
    for w in u.workspaces.iter().skip(skip) {
        lines.push(Line::from(vec![
            Span::raw(format!(
                "  {}  ",
                crate::untrusted::pad(&crate::untrusted::clip(&w.name, 40), name_w)
            )),
            Span::styled(safe(&w.id), t.dim),
        ]));
    }
    let title = format!(" {} ", safe(&u.full_name()));
    frame.render_widget(Paragraph::new(lines).block(block(state, &title)), area);
}

fn block<'a>(state: &State, title: &str) -> Block<'a> {
    Block::default()
        .borders(Borders::ALL)
        .border_style(state.theme.border)
        .title(Line::styled(title.to_string(), state.theme.title))
}
