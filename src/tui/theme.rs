//! Styles from the 16 named ANSI colours only (they follow the user's terminal palette), or
//! none at all: the monochrome theme keeps focus, selection and state visible with
//! REVERSED/BOLD and text markers, never colour alone.

use ratatui::style::{Color, Modifier, Style};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ColorMode {
    /// Colour unless `NO_COLOR` is set (to anything non-empty).
    #[default]
    Auto,
    Always,
    Never,
}

impl ColorMode {
    /// `no_color` is the value of `NO_COLOR`, passed in so this stays testable.
    pub fn use_color(self, no_color: Option<&str>) -> bool {
        match self {
            ColorMode::Always => true,
            ColorMode::Never => false,
            ColorMode::Auto => no_color.is_none_or(str::is_empty),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Theme {
    pub monochrome: bool,
    pub title: Style,
    pub header: Style,
    pub dim: Style,
    pub border: Style,
    pub focus_border: Style,
    pub table_header: Style,
    /// The row under the cursor.
    pub cursor: Style,
    /// Ticked rows.
    pub ticked: Style,
    pub active: Style,
    pub inactive: Style,
    pub error: Style,
    pub flash: Style,
    pub key: Style,
    pub progress: Style,
    /// What a change takes away (a workspace lost); always with a text marker too.
    pub danger: Style,
}

impl Theme {
    pub fn color() -> Theme {
        Theme {
            monochrome: false,
            title: Style::new().fg(Color::Cyan).add_modifier(Modifier::BOLD),
            header: Style::new(),
            dim: Style::new().fg(Color::DarkGray),
            border: Style::new().fg(Color::DarkGray),
            focus_border: Style::new().fg(Color::Cyan),
            table_header: Style::new().fg(Color::Yellow).add_modifier(Modifier::BOLD),
            cursor: Style::new().add_modifier(Modifier::REVERSED),
            ticked: Style::new().fg(Color::Magenta).add_modifier(Modifier::BOLD),
            active: Style::new().fg(Color::Green),
            inactive: Style::new().fg(Color::Red),
            error: Style::new()
                .fg(Color::LightRed)
                .add_modifier(Modifier::BOLD),
            flash: Style::new().fg(Color::Black).bg(Color::Green),
            key: Style::new().fg(Color::Cyan).add_modifier(Modifier::BOLD),
            progress: Style::new().fg(Color::Yellow),
            danger: Style::new().fg(Color::Red).add_modifier(Modifier::BOLD),
        }
    }

    pub fn monochrome() -> Theme {
        let bold = Style::new().add_modifier(Modifier::BOLD);
        Theme {
            monochrome: true,
            title: bold,
            header: Style::new(),
            dim: Style::new(),
            border: Style::new(),
            focus_border: bold,
            table_header: bold.add_modifier(Modifier::UNDERLINED),
            cursor: Style::new().add_modifier(Modifier::REVERSED),
            ticked: bold,
            active: Style::new(),
            inactive: bold,
            error: bold,
            flash: Style::new().add_modifier(Modifier::REVERSED),
            key: bold,
            progress: Style::new(),
            danger: bold,
        }
    }

    pub fn for_mode(mode: ColorMode, no_color: Option<&str>) -> Theme {
        if mode.use_color(no_color) {
            Theme::color()
        } else {
            Theme::monochrome()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_color_is_honoured_only_in_auto() {
        assert!(ColorMode::Auto.use_color(None));
        assert!(ColorMode::Auto.use_color(Some("")));
        assert!(!ColorMode::Auto.use_color(Some("1")));
        assert!(ColorMode::Always.use_color(Some("1")));
        assert!(!ColorMode::Never.use_color(None));
    }

    #[test]
    fn monochrome_has_no_colours() {
        let t = Theme::monochrome();
        for s in [
            t.title, t.cursor, t.ticked, t.active, t.inactive, t.error, t.flash, t.key,
        ] {
            assert_eq!(s.fg, None);
            assert_eq!(s.bg, None);
        }
    }
}
