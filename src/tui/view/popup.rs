//! Popups (errors, confirmation) and the server filter input.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Wrap};

use crate::tui::keymap::Mode;
use crate::tui::msg::Command;
use crate::tui::state::{FilterEdit, Popup, State};
use crate::tui::view::{centered, help};

pub fn render(state: &State, popup: &Popup, frame: &mut Frame, area: Rect) {
    let t = &state.theme;
    let keys = |a: &Command| {
        state
            .keymap
            .keys_for(Mode::Popup, a)
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join("/")
    };
    let (title, body, footer) = match popup {
        Popup::Help => return help::render(state, frame, area),
        Popup::Path { title, path } => return render_path(state, title, path, frame, area),
        Popup::Error { title, message } => (
            crate::tui::view::safe(title),
            crate::untrusted::text(message).into_owned(),
            format!(" {}: dismiss ", keys(&Command::Back)),
        ),
        Popup::ConfirmOverwrite { path, .. } => (
            "Replace the file?".to_string(),
            format!(
                "{}\nalready exists. Replace it?",
                crate::untrusted::text(path)
            ),
            format!(" {}: replace   {}: keep it ", keys(&Command::Confirm), keys(&Command::Back)),
        ),
        Popup::ConfirmStop => (
            "Stop the run?".to_string(),
            "stop dispatching? in-flight requests finish; what was sent stays sent and is in the journal.".to_string(),
            format!(" {}: stop   {}: keep running ", keys(&Command::Confirm), keys(&Command::Back)),
        ),
        Popup::Interrupted { run, more } => interrupted(run, *more, &keys),
        Popup::ConfirmQuit => (
            "Quit?".to_string(),
            "A batch is running. Quitting now stops it; what was sent stays sent and is in the journal. Quit anyway?".to_string(),
            format!(" {}: quit   {}: stay ", keys(&Command::Confirm), keys(&Command::Back)),
        ),
    };
    let width = 70.min(area.width.saturating_sub(4));
    let inner_w = width.saturating_sub(2).max(1) as usize;
    let body_lines: usize = body
        .lines()
        .map(|l| l.chars().count().div_ceil(inner_w).max(1))
        .sum();
    let height = (body_lines as u16 + 2).min(area.height.saturating_sub(2));
    let rect = centered(area, width, height);
    frame.render_widget(Clear, rect);
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(t.error)
        .title(Line::styled(format!(" {title} "), t.error))
        .title_bottom(Line::styled(footer, t.key));
    frame.render_widget(
        Paragraph::new(body).wrap(Wrap { trim: true }).block(block),
        rect,
    );
}

/// A run left unfinished: what it is, how far it got, how long ago, and the three choices.
fn interrupted(
    run: &crate::batch::interrupted::Interrupted,
    more: usize,
    keys: &dyn Fn(&Command) -> String,
) -> (String, String, String) {
    let mut body = format!(
        "Run {} ({}) was interrupted {} ago.\n{} of {} users left (changed {}, failed {}).",
        crate::untrusted::line(&run.id),
        crate::untrusted::clip(&run.action, 40),
        run.age(),
        run.left,
        run.planned,
        run.changed,
        run.failed,
    );
    if more > 0 {
        body.push_str(&format!("\n{more} more interrupted run(s): H lists them."));
    }
    let footer = format!(
        " {}: resume now   {}: show   {}/{}: later ",
        keys(&Command::Resume),
        keys(&Command::History),
        keys(&Command::Choose3),
        keys(&Command::Back)
    );
    ("Interrupted run".to_string(), body, footer)
}

/// A path in full, broken only after a `/`, so it can be read (and selected) whole.
fn render_path(state: &State, title: &str, path: &str, frame: &mut Frame, area: Rect) {
    let t = &state.theme;
    let width = area.width.saturating_sub(4).min(100);
    let inner_w = usize::from(width.saturating_sub(2)).max(1);
    let mut lines: Vec<Line> =
        crate::tui::view::paths::path_rows(&crate::untrusted::clip(path, 4096), inner_w)
            .into_iter()
            .map(Line::raw)
            .collect();
    lines.push(Line::styled("sent to the clipboard (OSC 52)", t.dim));
    let height = (lines.len() as u16 + 2).min(area.height.saturating_sub(2));
    let rect = centered(area, width, height);
    frame.render_widget(Clear, rect);
    let back = state
        .keymap
        .keys_for(Mode::Popup, &Command::Back)
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("/");
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(t.focus_border)
        .title(Line::styled(
            format!(" {} ", crate::tui::view::safe(title)),
            t.title,
        ))
        .title_bottom(Line::styled(format!(" {back}: close "), t.key));
    frame.render_widget(Paragraph::new(lines).block(block), rect);
}

/// The filter input over the bottom of the list, with the parse error inline.
pub fn render_filter(state: &State, edit: &FilterEdit, frame: &mut Frame, body: Rect) {
    let t = &state.theme;
    // The error wraps; the box grows to show all of it (the message says what is accepted).
    let error_text = edit
        .error
        .as_ref()
        .map(|e| format!("✗ {} (near `{}`)", e.message, e.fragment));
    let inner_width = body.width.saturating_sub(2).max(1) as usize;
    let error_rows = error_text
        .as_ref()
        .map_or(1, |e| e.chars().count().div_ceil(inner_width).max(1));
    let height = ((4 + error_rows) as u16).min(body.height);
    let rect = Rect::new(body.x, body.y + body.height - height, body.width, height);
    frame.render_widget(Clear, rect);
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(t.focus_border)
        .title(Line::styled(" SCIM filter (server side) ", t.title));
    let inner = block.inner(rect);
    frame.render_widget(block, rect);
    let width = inner.width.saturating_sub(2) as usize;
    let scroll = edit.input.visual_scroll(width);
    let value = edit.input.value();
    let shown: String = value.chars().skip(scroll).collect();
    let mut lines = vec![Line::from(vec![
        Span::styled("> ", t.key),
        Span::raw(shown),
    ])];
    match &edit.error {
        Some(e) => {
            let col = value
                .get(..e.position.min(value.len()))
                .map_or(0, |p| p.chars().count())
                .saturating_sub(scroll);
            lines.push(Line::styled(format!("  {}^", " ".repeat(col)), t.error));
            lines.push(Line::styled(
                error_text.clone().unwrap_or_default(),
                t.error,
            ));
        }
        None if value.trim().is_empty() => {
            lines.push(Line::styled(
                "  e.g. name.familyName eq \"Smith\" and active eq true; empty clears it",
                t.dim,
            ));
        }
        None => lines.push(Line::styled("✓ valid filter", t.active)),
    }
    frame.render_widget(
        Paragraph::new(lines).wrap(ratatui::widgets::Wrap { trim: false }),
        inner,
    );
    if state.popups().is_empty() {
        let x = (edit.input.visual_cursor().saturating_sub(scroll) + 2) as u16;
        frame.set_cursor_position((inner.x + x.min(inner.width.saturating_sub(1)), inner.y));
    }
}
