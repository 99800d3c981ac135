//! The column picker: a CSV where no column fits, or more than one does, is not refused; each
//! column is listed with its name, its first three values and what it would be read as, and
//! Enter reads the one under the cursor, as `--column N` does headless (the same reading,
//! `input::csv::read_with`). Esc goes back to the list; nothing was selected.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph};

use crate::input::csv::ColumnPreview;
use crate::input::key::ColumnKind;
use crate::tui::keymap::Mode;
use crate::tui::msg::Command;
use crate::tui::stack::{Layer, Step};
use crate::tui::state::State;
use crate::tui::text::safe;

/// Its keymap section and the hints of its status bar.
pub const MODE: Mode = Mode::keys("columns", &[Command::Proceed, Command::Back, Command::Help]);

pub struct ColumnPicker {
    path: String,
    columns: Vec<ColumnPreview>,
    cursor: usize,
    /// Why the file was not read as it is (no column fits, or which ones do).
    why: String,
}

/// The reducer's hook: the CSV being loaded needs its column picked. Dropped if the operator
/// cancelled the load meanwhile.
pub fn offer(state: &mut State, path: String, columns: Vec<ColumnPreview>, why: String) {
    if state
        .layers_mut()
        .remove_top_flow::<crate::tui::screens::csv::CsvLoading>()
        .is_none()
    {
        return;
    }
    // The first column that would be read as something known, else the first.
    let cursor = columns
        .iter()
        .position(|c| c.reads_as.is_some())
        .unwrap_or(0);
    let picker = ColumnPicker {
        path,
        columns,
        cursor,
        why,
    };
    state.push_layer(Box::new(picker));
}

impl ColumnPicker {
    pub fn path(&self) -> &str {
        &self.path
    }

    pub fn columns(&self) -> &[ColumnPreview] {
        &self.columns
    }

    pub fn cursor(&self) -> usize {
        self.cursor
    }

    fn choose(&self, state: &mut State) -> Step<State> {
        let Some(c) = self.columns.get(self.cursor) else {
            return Step::stay(Vec::new());
        };
        let column = Some(c.position.to_string());
        Step::close(crate::tui::screens::csv::start_csv_column(
            state,
            self.path.clone(),
            column,
        ))
    }
}

/// What a column would be read as: by its name, else by each value's shape.
fn reads_as(c: &ColumnPreview) -> &'static str {
    c.reads_as.unwrap_or(ColumnKind::Any).label()
}

impl Layer<State> for ColumnPicker {
    fn mode(&self) -> Mode {
        MODE
    }

    fn title(&self) -> Option<String> {
        Some("CSV import".into())
    }

    fn on_command(&mut self, command: Command, state: &mut State) -> Step<State> {
        if let Some(delta) = command.movement(self.columns.len()) {
            let last = self.columns.len().saturating_sub(1) as isize;
            self.cursor = (self.cursor as isize).saturating_add(delta).clamp(0, last) as usize;
            return Step::stay(Vec::new());
        }
        match command {
            Command::Proceed | Command::Apply | Command::Open => self.choose(state),
            Command::Back => Step::close(Vec::new()),
            _ => Step::stay(Vec::new()),
        }
    }

    fn draw(&self, state: &State, frame: &mut Frame, body: Rect) {
        let t = &state.theme;
        frame.render_widget(Clear, body);
        let block = Block::default()
            .borders(Borders::ALL)
            .border_style(t.focus_border)
            .title(Line::styled(" Which column holds the users? ", t.title));
        let inner = block.inner(body);
        frame.render_widget(block, body);
        let width = inner.width.saturating_sub(2) as usize;
        let mut lines = vec![Line::from(vec![
            Span::styled(" File  ", t.dim),
            Span::raw(safe(&self.path)),
        ])];
        for row in crate::tui::text::wrap(&safe(&self.why), width)
            .into_iter()
            .take(4)
        {
            lines.push(Line::styled(format!(" {row}"), t.dim));
        }
        lines.push(Line::from(""));
        let head = lines.len();
        for (i, c) in self.columns.iter().enumerate() {
            lines.extend(column_lines(state, c, i == self.cursor, width));
        }
        let keys = state.keymap.keys_for(MODE, &Command::Proceed);
        let enter = keys.first().map_or("enter".into(), ToString::to_string);
        lines.push(Line::styled(
            format!(" {enter} reads the column; esc goes back, nothing is selected"),
            t.dim,
        ));
        // Keep the cursor's column on screen in a short terminal.
        let shown = inner.height as usize;
        let cursor_row = head + self.cursor * 2 + 2;
        let skip = cursor_row.saturating_sub(shown.saturating_sub(2));
        let lines: Vec<Line> = lines.into_iter().skip(skip).collect();
        frame.render_widget(Paragraph::new(lines), inner);
    }
}

/// A column: its position and name, what it would be read as, its first values.
fn column_lines(
    state: &State,
    c: &ColumnPreview,
    selected: bool,
    width: usize,
) -> Vec<Line<'static>> {
    let t = &state.theme;
    let marker = if selected { "▶ " } else { "  " };
    let name = if c.name.is_empty() {
        "(no name)".to_string()
    } else {
        safe(&c.name)
    };
    let style = if selected { t.cursor } else { t.title };
    let samples: Vec<String> = c.samples.iter().map(|v| safe(v)).collect();
    let mut values = samples.join(", ");
    if values.chars().count() > width.saturating_sub(6) {
        values = values
            .chars()
            .take(width.saturating_sub(7))
            .chain(std::iter::once('…'))
            .collect();
    }
    vec![
        Line::from(vec![
            Span::styled(marker.to_string(), t.key),
            Span::styled(format!("{}. {name}", c.position), style),
            Span::styled(format!("  → {}", reads_as(c)), t.dim),
        ]),
        Line::styled(format!("     {values}"), t.dim),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tui::effect::Effect;
    use crate::tui::failure::{Failure, FailureKind};
    use crate::tui::msg::Outcome;
    use crate::tui::testing::{fixture_users, loaded_state, screen};
    use crate::tui::update::{mode, update};

    fn fixture(name: &str) -> String {
        // Relative: tests run in the crate's directory, and the snapshot stays the same.
        format!("tests/fixtures/csv/{name}")
    }

    /// What the effect side answers for this file, read with its column detected.
    fn answer(path: &str, column: Option<&str>) -> Outcome {
        let bytes = std::fs::read(path).expect("the fixture exists");
        let opts = crate::input::csv::ReadOptions {
            column: column.map(str::to_string),
            key: None,
        };
        let e = crate::input::csv::read_with(&bytes, &opts).expect_err("the column is refused");
        let f = Failure::caused_by(FailureKind::File, format!("{path}: {e}"), e);
        let (columns, why) = crate::tui::runner::io::columns_to_pick(path, &f)
            .expect("a column refusal offers the columns");
        Outcome::CsvColumns {
            path: path.to_string(),
            columns,
            why,
        }
    }

    /// The list, `L`, the path typed, Enter: the load is under way.
    fn loading(path: &str) -> State {
        let mut s = loaded_state(fixture_users(), 100, 30);
        let effects = crate::tui::screens::csv::start_csv(&mut s, path.to_string());
        assert_eq!(
            effects,
            vec![Effect::LoadCsv {
                path: path.to_string(),
                options: Default::default(),
            }]
        );
        s
    }

    fn picker(s: &State) -> &ColumnPicker {
        s.layers()
            .find::<ColumnPicker>()
            .expect("the column picker is open")
    }

    #[test]
    fn two_columns_that_fit_open_the_picker_and_enter_reads_the_one_chosen() {
        let path = fixture("two_email_columns.csv");
        let mut s = loading(&path);
        update(&mut s, answer(&path, None));
        assert_eq!(mode(&s), MODE);
        assert!(s.popups().is_empty(), "not refused: {:?}", s.popups());
        let names: Vec<&str> = picker(&s)
            .columns()
            .iter()
            .map(|c| c.name.as_str())
            .collect();
        assert_eq!(names, ["Work Email", "UPN", "Name"]);
        assert_eq!(picker(&s).cursor(), 0);
        update(&mut s, Command::Down);
        let effects = update(&mut s, Command::Proceed);
        assert_eq!(
            effects,
            vec![Effect::LoadCsv {
                path: path.clone(),
                options: crate::input::csv::ReadOptions {
                    column: Some("2".into()),
                    key: None
                },
            }]
        );
        assert!(s.layers().find::<ColumnPicker>().is_none());
        assert!(
            s.layers()
                .top_flow::<crate::tui::screens::csv::CsvLoading>()
                .is_some()
        );
        // The column picked reads as headless `--column 2` does.
        let bytes = std::fs::read(&path).expect("fixture");
        let opts = crate::input::csv::ReadOptions {
            column: Some("2".into()),
            key: None,
        };
        let read = crate::input::csv::read_with(&bytes, &opts).expect("column 2 reads");
        assert_eq!(read.column.as_deref(), Some("UPN"));
    }

    #[test]
    fn no_column_that_fits_lists_every_column_and_esc_selects_nothing() {
        let path = fixture("no_usable_column.csv");
        let mut s = loading(&path);
        update(&mut s, answer(&path, None));
        assert_eq!(picker(&s).columns().len(), 3);
        let shown = screen(&s);
        assert!(
            shown.contains("Department") && shown.contains("Finance"),
            "{shown}"
        );
        update(&mut s, Command::Back);
        assert!(s.layers().is_empty());
        assert!(!s.in_flow());
        assert_eq!(mode(&s), crate::tui::screens::users::MODE);
        assert!(s.bulk.selected.is_empty());
    }

    #[test]
    fn a_picker_for_a_load_cancelled_meanwhile_is_dropped() {
        let path = fixture("two_email_columns.csv");
        let mut s = loaded_state(fixture_users(), 100, 30);
        update(&mut s, answer(&path, None));
        assert!(s.layers().is_empty());
    }

    #[test]
    fn the_picker_shows_names_first_values_and_what_each_is_read_as() {
        let path = fixture("two_email_columns.csv");
        let mut s = loading(&path);
        update(&mut s, answer(&path, None));
        insta::assert_snapshot!(screen(&s));
    }
}
