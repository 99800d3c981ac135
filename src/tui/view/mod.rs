//! Rendering: `render(&State, &mut Frame)` only reads the state. The header, the view (the
//! user list, the workspaces, a user's detail), the status bar, then the stack's layers
//! bottom to top, each drawing itself (`screens/`).

mod find;

use crate::tui::text::safe;
use crate::tui::widgets::{hint_line, text_bar};

use ratatui::Frame;
use ratatui::layout::{Alignment, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use crate::tui::layout::{MIN_HEIGHT, MIN_WIDTH};
use crate::tui::screens::mode;
use crate::tui::state::{LoadState, State};

pub fn render(state: &State, frame: &mut Frame) {
    let area = frame.area();
    if crate::tui::layout::too_small(area.width, area.height) {
        too_small(state, frame, area);
        return;
    }
    let [header, body, status] = crate::tui::layout::areas(area);
    render_header(state, frame, header);
    crate::tui::screens::draw_view(state, frame, body);
    render_status(state, frame, status);
    // Bottom to top. Of the popups only the top one shows, and of the bulk flow's screens
    // only the top one (the confirmation draws what it confirms under itself).
    let layers = state.layers();
    let top_popup = layers.iter().rposition(|l| l.is_popup());
    let top_flow = layers.iter().rposition(|l| l.is_flow());
    for (i, layer) in layers.iter().enumerate() {
        let hidden =
            (layer.is_popup() && Some(i) != top_popup) || (layer.is_flow() && Some(i) != top_flow);
        if !hidden {
            layer.draw(state, frame, body);
        }
    }
    if let Some(f) = crate::tui::layers::live(state) {
        find::render(state, f, frame, status);
    }
}

fn too_small(state: &State, frame: &mut Frame, area: Rect) {
    let lines = vec![
        Line::styled("terminal too small", state.theme.error),
        Line::from(format!("{}x{}", area.width, area.height)),
        Line::from(format!("need at least {MIN_WIDTH}x{MIN_HEIGHT}")),
    ];
    let y = area.height.saturating_sub(3) / 2;
    let rect = Rect::new(area.x, area.y + y, area.width, area.height.min(3));
    frame.render_widget(Paragraph::new(lines).alignment(Alignment::Center), rect);
}

fn title(state: &State) -> String {
    if let Some(title) = state.layers().iter().rev().find_map(|l| l.title()) {
        return title;
    }
    crate::tui::screens::view_title(state)
}

fn render_header(state: &State, frame: &mut Frame, area: Rect) {
    let t = &state.theme;
    let sep = Span::styled(" │ ", t.dim);
    let mut first = vec![Span::styled(" scimitar", t.title)];
    // First, so a narrow terminal never cuts it off.
    if state.read_only {
        first.push(sep.clone());
        first.push(Span::styled("read-only", t.key));
    }
    first.extend([
        sep.clone(),
        Span::styled(title(state), t.title),
        sep.clone(),
        Span::raw(format!("profile {}", state.profile)),
        sep.clone(),
        Span::raw(format!("tenant {}", safe(&state.tenant))),
    ]);
    let loaded = state.list.len();
    let total = state
        .list
        .total
        .map_or_else(|| "?".to_string(), |t| t.to_string());
    let mut second = vec![Span::raw(format!(" loaded {loaded} / {total}"))];
    if state.run.running {
        second.push(sep.clone());
        second.push(Span::styled("BATCH RUNNING", t.danger));
    }
    if state.visual_anchor().is_some() {
        second.push(sep.clone());
        second.push(Span::styled("RANGE: v marks, esc cancels", t.ticked));
    }
    second.extend(load_spans(state, loaded));
    if let Some(f) = &state.filter.applied {
        second.push(sep.clone());
        second.push(Span::styled("filter ", t.dim));
        second.push(Span::raw(f.text.clone()));
    }
    if state.sort != crate::tui::sort::SortKey::Server && state.view().is_user_list() {
        second.push(sep.clone());
        second.push(Span::styled("sort ", t.dim));
        second.push(Span::raw(state.sort.label()));
    }
    if let Some(note) = state.logins.progress() {
        second.push(sep.clone());
        second.push(Span::styled(note, t.progress));
    }
    if let Some(f) = state.logins.filter
        && state.view().is_user_list()
    {
        second.push(sep.clone());
        second.push(Span::styled("inactive ", t.dim));
        second.push(Span::raw(f.label()));
    }
    let q = state.view().search.input.value();
    if !q.is_empty() {
        second.push(sep.clone());
        second.push(Span::styled("search ", t.dim));
        second.push(Span::raw(q.to_string()));
    }
    second.push(sep);
    let ticked = state.bulk.selected.len();
    let style = if ticked > 0 { t.ticked } else { t.dim };
    second.push(Span::styled(format!("{ticked} selected"), style));
    frame.render_widget(
        Paragraph::new(vec![Line::from(first), Line::from(second)]).style(t.header),
        area,
    );
}

/// The header's load status: the cache being refreshed, a load in progress, or a failure.
fn load_spans(state: &State, loaded: usize) -> Vec<Span<'static>> {
    let t = &state.theme;
    let mut out = Vec::new();
    match (&state.list.load, &state.list.cached) {
        (LoadState::Loading, Some(c)) => {
            let pct = (c.confirmed() * 100)
                .checked_div(state.list.total.unwrap_or(0) as usize)
                .unwrap_or(0)
                .min(100);
            out.push(Span::styled(
                format!(" cached {}, refreshing… {pct}%", c.age),
                t.progress,
            ));
        }
        (LoadState::Failed(_), Some(c)) => {
            out.push(Span::styled(
                format!(" cached {}: refresh failed (r retries)", c.age),
                t.error,
            ));
        }
        (LoadState::Loading, None) => {
            out.push(Span::raw(" "));
            out.push(Span::styled(
                progress_bar(loaded, state.list.total),
                t.progress,
            ));
            out.push(Span::styled(" loading…", t.progress));
        }
        (LoadState::Failed(_), None) if state.list.stale.is_some() => {
            out.push(Span::styled(
                " ✗ reload failed: STALE list (r retries)",
                t.error,
            ));
        }
        (LoadState::Failed(_), None) => {
            out.push(Span::styled(" ✗ load failed (r retries)", t.error));
        }
        (LoadState::Idle | LoadState::Done, _) => {}
    }
    out
}

/// A text bar, readable without colour.
fn progress_bar(loaded: usize, total: Option<u64>) -> String {
    text_bar(loaded, total.unwrap_or(0) as usize, 10)
}

fn render_status(state: &State, frame: &mut Frame, area: Rect) {
    let t = &state.theme;
    let view = state.view();
    if crate::tui::screens::search::typing(state) {
        let prefix = "/";
        let width = area.width.saturating_sub(1) as usize;
        let scroll = view.search.input.visual_scroll(width);
        let text: String = view.search.input.value().chars().skip(scroll).collect();
        frame.render_widget(
            Paragraph::new(Line::from(vec![
                Span::styled(prefix, t.key),
                Span::raw(text),
            ])),
            area,
        );
        let x = (view.search.input.visual_cursor().saturating_sub(scroll) + 1) as u16;
        frame.set_cursor_position((area.x + x.min(area.width.saturating_sub(1)), area.y));
        return;
    }
    if let Some(f) = &state.flash {
        frame.render_widget(
            Paragraph::new(format!(" {} ", safe(&f.text))).style(t.flash),
            area,
        );
        return;
    }
    frame.render_widget(
        Paragraph::new(hint_line(state, mode(state), area.width)),
        area,
    );
}
