//! The typed confirmation: the tenant, the action and the number of users; above the cap an
//! explicit `override N` is the only way on.

use crate::tui::text::wrap;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph};

use crate::plan::access_loss;
use crate::tui::bulk::state::{Confirm, ConfirmWhat};
use crate::tui::state::State;
use crate::tui::view::centered;

pub fn render(state: &State, c: &Confirm, frame: &mut Frame, area: Rect) {
    let t = &state.theme;
    let width = 76.min(area.width);
    let height = 22.min(area.height);
    let rect = centered(area, width, height);
    frame.render_widget(Clear, rect);
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(t.danger)
        .title(Line::styled(" Confirm the change ", t.danger));
    let inner = block.inner(rect);
    frame.render_widget(block, rect);
    let mut lines = vec![
        Line::from(vec![
            Span::styled(" Tenant  ", t.dim),
            Span::styled(crate::tui::view::safe(&c.tenant), t.title),
        ]),
        Line::from(vec![
            Span::styled(" Action  ", t.dim),
            Span::styled(c.label.clone(), t.title),
        ]),
    ];
    let cost_lines = what_lines(t, c, &mut lines);
    lines.push(Line::from(""));
    if let Some(warning) = &c.overlap {
        let w = inner.width.max(1) as usize;
        for row in wrap(&format!("⚠ {warning}"), w.saturating_sub(2)) {
            lines.push(Line::styled(format!(" {row}"), t.danger));
        }
        lines.push(Line::from(""));
    }
    if let Some(cost) = &cost_lines {
        let w = inner.width.max(1) as usize;
        // Wrapped by hand so the input row below stays where the cursor is put.
        for row in wrap(cost, w.saturating_sub(2)) {
            lines.push(Line::styled(format!(" {row}"), t.danger));
        }
        lines.push(Line::from(""));
    }
    if c.above_cap() {
        lines.push(Line::styled(
            format!(
                " ⚠ ABOVE THE CAP: {} users is more than the limit of {} (max_users).",
                c.count, c.cap
            ),
            t.danger,
        ));
        lines.push(Line::from(vec![
            Span::raw(" To go on anyway, type exactly "),
            Span::styled(format!("override {}", c.count), t.danger),
            Span::raw(" and press Enter."),
        ]));
    } else {
        lines.push(Line::from(vec![
            Span::raw(" Type the number of users, "),
            Span::styled(c.count.to_string(), t.title),
            Span::raw(", and press Enter to start."),
        ]));
    }
    lines.push(Line::styled(
        " Esc goes back; nothing is sent before this is confirmed.",
        t.dim,
    ));
    lines.push(Line::from(""));
    let value = c.input.value();
    let input_row = lines.len() as u16;
    lines.push(Line::from(vec![
        Span::styled(" > ", t.key),
        Span::raw(value.to_string()),
    ]));
    if let Some(e) = &c.error {
        lines.push(Line::styled(format!(" ✗ {e}"), t.error));
    }
    frame.render_widget(Paragraph::new(lines), inner);
    if state.popups().is_empty() && input_row < inner.height {
        let x = 3 + c.input.visual_cursor() as u16;
        frame.set_cursor_position((
            inner.x + x.min(inner.width.saturating_sub(1)),
            inner.y + input_row,
        ));
    }
}

/// What the change is (users, requests, what is kept or re-checked); returns what it costs
/// the users, if it costs them access.
fn what_lines(
    t: &crate::tui::Theme,
    c: &Confirm,
    lines: &mut Vec<Line<'static>>,
) -> Option<String> {
    match &c.what {
        ConfirmWhat::Plan { plan, .. } => {
            let tot = plan.totals();
            lines.push(Line::from(vec![
                Span::styled(" Users   ", t.dim),
                Span::styled(format!("{} will be changed", c.count), t.title),
                Span::raw(format!(" with {} requests", tot.requests)),
            ]));
            lines.push(Line::styled(
                format!(
                    "         left alone: {} no-op, {} protected, {} not found",
                    tot.no_op, tot.protected, tot.not_found
                ),
                t.dim,
            ));
            if let Some(kept) = kept_names(plan) {
                lines.push(Line::from(vec![
                    Span::styled(" Keeps   ", t.dim),
                    Span::styled(kept, t.title),
                ]));
            }
            access_loss(&plan.items).statement()
        }
        ConfirmWhat::Resume(info) => {
            lines.push(Line::from(vec![
                Span::styled(" Users   ", t.dim),
                Span::styled(format!("{} re-checked", c.count), t.title),
                Span::raw(format!(
                    " ({} unknown, {} not started, {} failed)",
                    info.unknown, info.not_started, info.failed
                )),
            ]));
            lines.push(Line::styled(
                format!(" Journal {}", info.journal.display()),
                t.dim,
            ));
            info.intent.resume_cost(c.count)
        }
    }
}

/// For keep-only: the workspaces kept, by name (ids when no user holds one), or the count
/// with the first three names when there are many.
fn kept_names(plan: &crate::plan::Plan) -> Option<String> {
    let crate::plan::Action::KeepWorkspaces { keep } = &plan.action else {
        return None;
    };
    let name_of = |id: &String| {
        plan.items
            .iter()
            .flat_map(|i| i.before.iter().chain(i.after.iter()))
            .flat_map(|st| st.workspaces.iter())
            .find(|w| &w.id == id)
            .map_or_else(|| id.clone(), |w| w.name.clone())
    };
    let names: Vec<String> = keep
        .iter()
        .map(|id| crate::tui::view::safe(&name_of(id)))
        .collect();
    Some(match names.len() {
        0 => "no workspace".to_string(),
        1..=3 => names.join(", "),
        n => format!("{n} workspaces: {}, …", names[..3].join(", ")),
    })
}
