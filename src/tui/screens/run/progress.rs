//! The live progress pane of a running batch. Everything is read from the folded `Progress`
//! and the last sampled time, so a frame costs the same for 10 or 10,000 users.

use std::time::{Duration, Instant};

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph};

use crate::batch::runner::UserResult;
use crate::batch::{Progress, ResultKind};
use crate::tui::bulk::RunView;
use crate::tui::state::State;
use crate::tui::theme::Theme;
use crate::tui::widgets::text_bar;

pub fn render(state: &State, run: &RunView, frame: &mut Frame, area: Rect) {
    let t = &state.theme;
    frame.render_widget(Clear, area);
    let paused = run.progress.as_ref().and_then(|p| p.paused.as_ref());
    let title = if run.stopping {
        format!(" STOPPING… {} · requests in flight finish ", run.label)
    } else if let Some((n, _)) = paused {
        format!(
            " PAUSED: the server failed {n} requests in a row · waiting for it · R retry now · Esc stop "
        )
    } else {
        format!(" Running: {} ", run.label)
    };
    let style = if run.stopping || paused.is_some() {
        t.danger
    } else {
        t.title
    };
    let mut block = Block::default()
        .borders(Borders::ALL)
        .border_style(t.focus_border)
        .title(Line::styled(title, style));
    if let Some(id) = &run.batch_id {
        block = block.title(Line::from(format!(" batch {id} ")).right_aligned());
    }
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let Some(p) = &run.progress else {
        frame.render_widget(
            Paragraph::new(Line::styled(" starting: opening the journal…", t.progress)),
            inner,
        );
        return;
    };
    let [figures, feeds] =
        Layout::vertical([Constraint::Length(6), Constraint::Min(1)]).areas(inner);
    frame.render_widget(
        Paragraph::new(figure_lines(t, run, p, inner.width)),
        figures,
    );
    let (recent_area, fail_area) = if feeds.width >= 100 {
        let [a, b] = Layout::horizontal([Constraint::Percentage(50), Constraint::Percentage(50)])
            .areas(feeds);
        (a, b)
    } else {
        let fail_h = if p.failures.is_empty() {
            3
        } else {
            feeds.height / 2
        };
        let [a, b] =
            Layout::vertical([Constraint::Min(1), Constraint::Length(fail_h)]).areas(feeds);
        (a, b)
    };
    render_recent(t, p, frame, recent_area);
    render_failures(t, p, run.failures_scroll, frame, fail_area);
}

/// Whole seconds; under one second reads "<1s" rather than a misleading "0s".
fn secs(d: Duration) -> String {
    if d < Duration::from_secs(1) {
        return "<1s".into();
    }
    humantime::format_duration(Duration::from_secs(d.as_secs())).to_string()
}

/// A rate over the first instants is noise (one answer in 2 ms reads "500 req/s"): it is
/// shown once the run has gone on for a while and made a few requests.
pub fn rate_ready(p: &Progress, now: Instant) -> bool {
    let elapsed = p.elapsed(now);
    elapsed >= Duration::from_secs(2) && (p.requests >= 10 || elapsed >= Duration::from_secs(5))
}

fn figure_lines(t: &Theme, run: &RunView, p: &Progress, width: u16) -> Vec<Line<'static>> {
    let now = run.now.unwrap_or(p.started);
    let cells = (width as usize).saturating_sub(24).clamp(10, 60);
    let pct = (p.fraction() * 100.0).floor() as u32;
    let n = |label: &str, v: String, style| {
        vec![
            Span::styled(format!("{label} "), t.dim),
            Span::styled(v, style),
            Span::raw("   "),
        ]
    };
    let mut counts = vec![Span::raw(" ")];
    counts.extend(n("done", p.done.to_string(), t.active));
    counts.extend(n(
        "failed",
        p.failed.to_string(),
        if p.failed > 0 { t.error } else { t.header },
    ));
    counts.extend(n("skipped", p.skipped().to_string(), t.header));
    counts.extend(n("remaining", p.remaining().to_string(), t.header));
    let ms = |q| {
        p.latency_quantile(q)
            .map_or_else(|| "-".to_string(), |v| format!("{v} ms"))
    };
    let ready = rate_ready(p, now);
    let mut speed = vec![Span::raw(" ")];
    speed.extend(n(
        "rate",
        if ready {
            format!("{:.1} req/s", p.request_rate(now))
        } else {
            "measuring…".to_string()
        },
        t.header,
    ));
    speed.extend(n(
        "ETA",
        p.eta(now)
            .filter(|_| ready)
            .map_or_else(|| "-".to_string(), secs),
        t.header,
    ));
    speed.extend(n("p50", ms(0.5), t.header));
    speed.extend(n("p95", ms(0.95), t.header));
    let mut load = vec![Span::raw(" ")];
    load.extend(n("in flight", p.in_flight().to_string(), t.header));
    load.extend(n("concurrency", p.concurrency.to_string(), t.header));
    load.extend(n("retries", p.retries.to_string(), t.header));
    load.extend(n(
        "429s",
        p.rate_limited.to_string(),
        if p.rate_limited > 0 {
            t.error
        } else {
            t.header
        },
    ));
    vec![
        Line::from(vec![
            Span::raw(" "),
            Span::styled(text_bar(p.finished(), p.total, cells), t.progress),
            Span::raw(format!(" {pct:>3}%  {} / {}", p.finished(), p.total)),
        ]),
        Line::from(counts),
        Line::from(speed),
        Line::from(load),
        Line::from(vec![
            Span::styled(" elapsed ", t.dim),
            Span::raw(secs(p.elapsed(now))),
            Span::styled("   journal ", t.dim),
            // One row, the file name whole: the summary's `y` shows it in full.
            Span::raw(crate::tui::widgets::paths::short_path(
                &crate::tui::text::safe(run.journal.as_deref().unwrap_or_default()),
                usize::from(width).saturating_sub(24),
            )),
        ]),
    ]
}

/// `✓ done`, `✗ failed`… with a text marker, so the outcome reads without colour.
pub fn outcome_span(t: &Theme, k: ResultKind) -> Span<'static> {
    match k {
        ResultKind::Done => Span::styled("✓ done     ", t.active),
        ResultKind::Failed => Span::styled("✗ failed   ", t.error),
        ResultKind::NoOp => Span::styled("· no-op    ", t.dim),
        ResultKind::Protected => Span::styled("! protected", t.error),
        ResultKind::NotFound => Span::styled("? not found", t.error),
        ResultKind::InDoubt => Span::styled("? in doubt ", t.error),
    }
}

fn result_line(t: &Theme, r: &UserResult) -> Line<'static> {
    let status = r.status.map_or_else(String::new, |s| format!(" {s}"));
    let mut spans = vec![
        Span::raw(" "),
        outcome_span(t, r.outcome),
        Span::raw(format!(" {}{status}", crate::tui::text::safe(&r.user_name))),
    ];
    if r.status.is_some() {
        spans.push(Span::styled(
            format!(" {} ms", r.latency.as_millis()),
            t.dim,
        ));
    }
    Line::from(spans)
}

fn render_recent(t: &Theme, p: &Progress, frame: &mut Frame, area: Rect) {
    let block = Block::default()
        .borders(Borders::TOP)
        .border_style(t.border)
        .title(Line::styled(" Recent ", t.title));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let h = inner.height as usize;
    let skip = p.recent.len().saturating_sub(h);
    let lines: Vec<Line> = p
        .recent
        .iter()
        .skip(skip)
        .map(|r| result_line(t, r))
        .collect();
    frame.render_widget(Paragraph::new(lines), inner);
}

/// Failures with the server's reason, oldest first; `scroll` picks the first shown.
pub fn render_failures(t: &Theme, p: &Progress, scroll: usize, frame: &mut Frame, area: Rect) {
    let block = Block::default()
        .borders(Borders::TOP)
        .border_style(t.border)
        .title(Line::styled(
            format!(" Failures ({}) ", p.failures.len()),
            if p.failures.is_empty() {
                t.title
            } else {
                t.error
            },
        ));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    if p.failures.is_empty() {
        frame.render_widget(Paragraph::new(Line::styled(" none", t.dim)), inner);
        return;
    }
    let h = inner.height as usize;
    let start = scroll.min(p.failures.len().saturating_sub(h));
    let lines: Vec<Line> = p
        .failures
        .iter()
        .skip(start)
        .take(h)
        .map(|r| {
            let status = r.status.map_or_else(|| "-".to_string(), |s| s.to_string());
            Line::from(vec![
                Span::styled(" ✗ ", t.error),
                Span::raw(format!("{} ", crate::tui::text::safe(&r.user_name))),
                Span::styled(status, t.error),
                Span::raw(format!(" {}", crate::tui::text::safe(&r.detail))),
            ])
        })
        .collect();
    frame.render_widget(Paragraph::new(lines), inner);
}
