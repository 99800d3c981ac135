//! Key bindings as data: defaults embedded as TOML, merged with `keymap.toml` from the config
//! directory. Sections are modes; entries map a key (`"ctrl-r"`, `"G"`, `"pagedown"`) to an
//! action name. The help overlay and the status bar hints are generated from this map.

use std::fmt;
use std::path::Path;

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};

use strum::IntoEnumIterator;

use crate::tui::msg::{Command, Msg};

pub const DEFAULT_KEYMAP: &str = include_str!("default_keymap.toml");
pub const KEYMAP_FILE: &str = "keymap.toml";

/// A keymap section: what a key press means on the layer on top, and the hints the status
/// bar shows there. A screen declares its own (`Mode::keys("review", &[..])`) beside its
/// keys and drawing; the sections that exist are those of the embedded defaults, in their
/// order. Here: the views', and those several layers share (the popups, the search); each
/// screen of the stack (`screens/`) declares its own `MODE`.
#[derive(Debug, Clone, Copy)]
pub struct Mode {
    name: &'static str,
    /// Text keys are typed (an input), and only a few global keys reach through.
    input: bool,
    hints: &'static [Command],
}

/// One section is one mode: a screen's `Mode` and the section read from a file are equal.
impl PartialEq for Mode {
    fn eq(&self, other: &Mode) -> bool {
        self.name == other.name
    }
}

impl Eq for Mode {}

#[allow(non_upper_case_globals)] // read as the modes they name: `Mode::Popup`
impl Mode {
    pub const Global: Mode = Mode::keys("global", &[Command::Help, Command::Quit]);
    /// The keymap section of every popup.
    pub const Popup: Mode = Mode::keys("popup", &[Command::Confirm, Command::Back]);
    /// The search typed over a list or a screen (`/`).
    pub const Search: Mode = Mode::input("search", &[Command::Apply, Command::Back]);
    /// A mode whose keys are commands.
    pub const fn keys(name: &'static str, hints: &'static [Command]) -> Mode {
        Mode {
            name,
            input: false,
            hints,
        }
    }

    /// A mode that types text: keys with no binding are edits.
    pub const fn input(name: &'static str, hints: &'static [Command]) -> Mode {
        Mode {
            name,
            input: true,
            hints,
        }
    }

    /// The section of that name, for its bindings (its hints and typing are its screen's).
    pub fn section(name: &'static str) -> Mode {
        Mode::keys(name, &[])
    }

    /// The section name in keymap.toml.
    pub fn name(self) -> &'static str {
        self.name
    }

    /// Every section of the embedded defaults, in their order (the man page and the help
    /// list them so). Their hints and typing are the screens' own; these name the section.
    pub fn sections() -> impl Iterator<Item = &'static str> {
        DEFAULT_KEYMAP.lines().filter_map(|l| {
            let l = l.trim();
            l.strip_prefix('[').and_then(|l| l.strip_suffix(']'))
        })
    }

    pub fn is_input(self) -> bool {
        self.input
    }

    /// Actions that change the tenant, hidden from hints and help in read-only mode.
    pub fn mutating(action: &Command) -> bool {
        matches!(action, Command::Actions | Command::Undo | Command::Resume)
    }

    /// The actions the status bar suggests in this mode, in order.
    pub fn hints(self) -> &'static [Command] {
        self.hints
    }
}

/// A key or an action name in a keymap file that means nothing; says what is accepted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeymapError {
    #[error(
        "unknown key `{0}`; use a single character, or ctrl-/alt-/shift- with one of: \
         enter, esc, space, tab, backtab, backspace, delete, insert, up, down, left, \
         right, home, end, pageup, pagedown, f1..f12"
    )]
    UnknownKey(String),
    #[error(transparent)]
    UnknownAction(#[from] crate::tui::msg::UnknownCommand),
}

/// A key with its modifiers, normalised so that `G` and `shift-g` are the same chord.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct KeyChord {
    pub code: KeyCode,
    pub mods: KeyModifiers,
}

impl KeyChord {
    pub fn new(code: KeyCode, mods: KeyModifiers) -> KeyChord {
        let mut code = code;
        let mut mods = mods & (KeyModifiers::CONTROL | KeyModifiers::ALT | KeyModifiers::SHIFT);
        match code {
            KeyCode::Char(c) if mods.contains(KeyModifiers::SHIFT) => {
                code = KeyCode::Char(c.to_ascii_uppercase());
                mods.remove(KeyModifiers::SHIFT);
            }
            KeyCode::BackTab => mods.remove(KeyModifiers::SHIFT),
            _ => {}
        }
        KeyChord { code, mods }
    }

    pub fn from_event(ev: &KeyEvent) -> KeyChord {
        KeyChord::new(ev.code, ev.modifiers)
    }

    /// A printable character with no ctrl/alt: text in an input.
    pub fn is_text(&self) -> bool {
        matches!(self.code, KeyCode::Char(_)) && self.mods.is_empty()
    }

    pub fn parse(s: &str) -> Result<KeyChord, KeymapError> {
        let mut rest = s;
        let mut mods = KeyModifiers::NONE;
        loop {
            let lower = rest.to_ascii_lowercase();
            if rest.len() > 5 && lower.starts_with("ctrl-") {
                mods |= KeyModifiers::CONTROL;
                rest = &rest[5..];
            } else if rest.len() > 4 && lower.starts_with("alt-") {
                mods |= KeyModifiers::ALT;
                rest = &rest[4..];
            } else if rest.len() > 6 && lower.starts_with("shift-") {
                mods |= KeyModifiers::SHIFT;
                rest = &rest[6..];
            } else {
                break;
            }
        }
        let mut chars = rest.chars();
        let code = match (chars.next(), chars.next()) {
            (Some(c), None) => KeyCode::Char(c),
            _ => match rest.to_ascii_lowercase().as_str() {
                "enter" | "return" => KeyCode::Enter,
                "esc" | "escape" => KeyCode::Esc,
                "space" => KeyCode::Char(' '),
                "tab" => KeyCode::Tab,
                "backtab" => KeyCode::BackTab,
                "backspace" => KeyCode::Backspace,
                "delete" | "del" => KeyCode::Delete,
                "insert" => KeyCode::Insert,
                "up" => KeyCode::Up,
                "down" => KeyCode::Down,
                "left" => KeyCode::Left,
                "right" => KeyCode::Right,
                "home" => KeyCode::Home,
                "end" => KeyCode::End,
                "pageup" | "pgup" => KeyCode::PageUp,
                "pagedown" | "pgdn" => KeyCode::PageDown,
                f if f.starts_with('f')
                    && f[1..].parse::<u8>().is_ok_and(|n| (1..=12).contains(&n)) =>
                {
                    KeyCode::F(f[1..].parse().unwrap_or(1))
                }
                _ => {
                    return Err(KeymapError::UnknownKey(s.to_string()));
                }
            },
        };
        Ok(KeyChord::new(code, mods))
    }
}

impl fmt::Display for KeyChord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.mods.contains(KeyModifiers::CONTROL) {
            f.write_str("ctrl-")?;
        }
        if self.mods.contains(KeyModifiers::ALT) {
            f.write_str("alt-")?;
        }
        if self.mods.contains(KeyModifiers::SHIFT) {
            f.write_str("shift-")?;
        }
        match self.code {
            KeyCode::Char(' ') => f.write_str("space"),
            KeyCode::Char(c) => write!(f, "{c}"),
            KeyCode::Enter => f.write_str("enter"),
            KeyCode::Esc => f.write_str("esc"),
            KeyCode::Tab => f.write_str("tab"),
            KeyCode::BackTab => f.write_str("backtab"),
            KeyCode::Backspace => f.write_str("backspace"),
            KeyCode::Delete => f.write_str("delete"),
            KeyCode::Insert => f.write_str("insert"),
            KeyCode::Up => f.write_str("up"),
            KeyCode::Down => f.write_str("down"),
            KeyCode::Left => f.write_str("left"),
            KeyCode::Right => f.write_str("right"),
            KeyCode::Home => f.write_str("home"),
            KeyCode::End => f.write_str("end"),
            KeyCode::PageUp => f.write_str("pgup"),
            KeyCode::PageDown => f.write_str("pgdn"),
            KeyCode::F(n) => write!(f, "f{n}"),
            other => write!(f, "{other:?}"),
        }
    }
}

/// Bindings per mode, in the order they were declared (so help lists them predictably).
#[derive(Debug, Clone, PartialEq)]
pub struct Keymap {
    /// By section name: a screen's `Mode` finds its bindings by its name.
    modes: Vec<(&'static str, Vec<(KeyChord, Command)>)>,
}

impl Default for Keymap {
    fn default() -> Self {
        let mut km = Keymap {
            modes: Mode::sections().map(|s| (s, Vec::new())).collect(),
        };
        // The embedded defaults are checked by a unit test, so nothing is lost here.
        let _ = km.merge_toml(DEFAULT_KEYMAP);
        km
    }
}

impl Keymap {
    /// The defaults merged with `<dir>/keymap.toml` if it exists. Bad entries are skipped
    /// and reported; the good ones still apply.
    pub fn load(config_dir: Option<&Path>) -> (Keymap, Vec<String>) {
        let mut km = Keymap::default();
        let Some(dir) = config_dir else {
            return (km, Vec::new());
        };
        let path = dir.join(KEYMAP_FILE);
        match std::fs::read_to_string(&path) {
            Ok(text) => {
                let errors = km
                    .merge_toml(&text)
                    .into_iter()
                    .map(|e| format!("{}: {e}", path.display()))
                    .collect();
                (km, errors)
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => (km, Vec::new()),
            Err(e) => (km, vec![format!("cannot read {}: {e}", path.display())]),
        }
    }

    /// Merges TOML over this map, returning one message per bad entry.
    pub fn merge_toml(&mut self, text: &str) -> Vec<String> {
        let table: toml::Table = match toml::from_str(text) {
            Ok(t) => t,
            Err(e) => return vec![format!("not valid TOML: {}", e.message())],
        };
        let mut errors = Vec::new();
        for (section, entries) in &table {
            let Some(mode) = Mode::sections().find(|s| s == section).map(Mode::section) else {
                let names: Vec<&str> = Mode::sections().collect();
                errors.push(format!(
                    "unknown section [{section}]; accepted sections: {}",
                    names.join(", ")
                ));
                continue;
            };
            let Some(entries) = entries.as_table() else {
                errors.push(format!(
                    "[{section}] must be a table of \"key\" = \"action\""
                ));
                continue;
            };
            for (key, value) in entries {
                let chord = match KeyChord::parse(key) {
                    Ok(c) => c,
                    Err(e) => {
                        errors.push(format!("[{section}] \"{key}\": {e}"));
                        continue;
                    }
                };
                let action = match value.as_str().map(Command::from_name) {
                    Some(Ok(a)) => a,
                    Some(Err(e)) => {
                        errors.push(format!("[{section}] \"{key}\": {e}"));
                        continue;
                    }
                    None => {
                        errors.push(format!(
                            "[{section}] \"{key}\": the action must be a string such as \"quit\""
                        ));
                        continue;
                    }
                };
                self.bind(mode, chord, action);
            }
        }
        errors
    }

    pub fn bind(&mut self, mode: Mode, chord: KeyChord, action: Command) {
        let Some((_, list)) = self.modes.iter_mut().find(|(m, _)| *m == mode.name) else {
            return;
        };
        match list.iter_mut().find(|(c, _)| *c == chord) {
            Some(slot) => slot.1 = action,
            None => list.push((chord, action)),
        }
    }

    pub fn bindings(&self, mode: Mode) -> &[(KeyChord, Command)] {
        self.modes
            .iter()
            .find(|(m, _)| *m == mode.name)
            .map(|(_, l)| l.as_slice())
            .unwrap_or(&[])
    }

    fn lookup(&self, mode: Mode, chord: &KeyChord) -> Option<&Command> {
        self.bindings(mode)
            .iter()
            .find(|(c, _)| c == chord)
            .map(|(_, a)| a)
    }

    /// The action for a key in a mode: the mode's own binding, else the global one. In
    /// inputs, text keys are typed and only a few global actions reach through.
    pub fn resolve(&self, mode: Mode, chord: &KeyChord) -> Option<Command> {
        if let Some(a) = self.lookup(mode, chord) {
            return Some(*a);
        }
        let a = self.lookup(Mode::Global, chord)?;
        if mode.is_input() {
            let passes = matches!(
                a,
                Command::Quit
                    | Command::Back
                    | Command::Up
                    | Command::Down
                    | Command::PageUp
                    | Command::PageDown
            );
            if chord.is_text() || !passes {
                return None;
            }
        }
        Some(*a)
    }

    /// Keys bound to an action in a mode, falling back to global ones; plain letters first
    /// (they survive tmux and legacy key encodings).
    pub fn keys_for(&self, mode: Mode, action: &Command) -> Vec<KeyChord> {
        let mut keys = self.keys_for_unsorted(mode, action);
        keys.sort_by_key(|k| (!k.is_text(), k.to_string()));
        keys
    }

    fn keys_for_unsorted(&self, mode: Mode, action: &Command) -> Vec<KeyChord> {
        let own: Vec<KeyChord> = self
            .bindings(mode)
            .iter()
            .filter(|(_, a)| a == action)
            .map(|(c, _)| *c)
            .collect();
        if !own.is_empty() || mode == Mode::Global {
            return own;
        }
        self.bindings(Mode::Global)
            .iter()
            .filter(|(c, a)| a == action && self.lookup(mode, c).is_none())
            .map(|(c, _)| *c)
            .collect()
    }

    /// `(keys, description)` for every action bound in a mode (its own first, then the
    /// global ones), in the order `Command` declares them.
    pub fn help_rows(&self, mode: Mode) -> Vec<(String, &'static str)> {
        let order = |a: &Command| Command::iter().position(|c| c == *a).unwrap_or(usize::MAX);
        let mut actions: Vec<(bool, usize, Command)> = Vec::new();
        let modes: &[Mode] = if mode == Mode::Global {
            &[Mode::Global]
        } else {
            &[mode, Mode::Global]
        };
        for m in modes {
            for (_, a) in self.bindings(*m) {
                if *a == Command::None || actions.iter().any(|(_, _, b)| b == a) {
                    continue;
                }
                actions.push((*m == Mode::Global, order(a), *a));
            }
        }
        actions.sort_by_key(|(global, i, _)| (*global, *i));
        actions
            .into_iter()
            .filter_map(|(_, _, a)| {
                let keys = self.keys_for(mode, &a);
                if keys.is_empty() {
                    return None;
                }
                let keys: Vec<String> = keys.iter().map(ToString::to_string).collect();
                Some((keys.join(" "), a.description()))
            })
            .collect()
    }
}

/// Turns a key press into an action for the current mode; text keys in inputs become edits.
pub fn key_to_action(keymap: &Keymap, mode: Mode, ev: &KeyEvent) -> Option<Msg> {
    if ev.kind == KeyEventKind::Release {
        return None;
    }
    let chord = KeyChord::from_event(ev);
    if let Some(a) = keymap.resolve(mode, &chord) {
        return (a != Command::None).then_some(Msg::Command(a));
    }
    if mode.is_input() {
        let event = ratatui::crossterm::event::Event::Key(*ev);
        return tui_input::backend::crossterm::to_input_request(&event).map(Msg::Edit);
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(c: KeyCode, m: KeyModifiers) -> KeyEvent {
        KeyEvent::new(c, m)
    }

    #[test]
    fn the_shared_modes_have_their_sections_in_the_defaults() {
        let modes = [Mode::Global, Mode::Popup, Mode::Search];
        for m in modes {
            assert!(Mode::sections().any(|s| s == m.name()), "{}", m.name());
            // The section read from a file is the screen's mode: the bindings are found.
            assert_eq!(Mode::section(m.name()), m);
        }
    }

    #[test]
    fn embedded_defaults_are_valid() {
        let mut km = Keymap {
            modes: Mode::sections().map(|s| (s, Vec::new())).collect(),
        };
        assert_eq!(km.merge_toml(DEFAULT_KEYMAP), Vec::<String>::new());
    }

    #[test]
    fn user_file_overrides_and_adds() {
        let mut km = Keymap::default();
        let errs = km.merge_toml("[list]\n\"ctrl-r\" = \"clear_selection\"\n\"x\" = \"toggle_select\"\n[global]\n\"q\" = \"none\"\n");
        assert!(errs.is_empty(), "{errs:?}");
        let r = |m, c, mods| key_to_action(&km, m, &key(c, mods));
        assert_eq!(
            r(
                Mode::section("list"),
                KeyCode::Char('r'),
                KeyModifiers::CONTROL
            ),
            Some(Command::ClearSelection.into())
        );
        assert_eq!(
            r(
                Mode::section("list"),
                KeyCode::Char('x'),
                KeyModifiers::NONE
            ),
            Some(Command::ToggleSelect.into())
        );
        assert_eq!(
            r(
                Mode::section("list"),
                KeyCode::Char('q'),
                KeyModifiers::NONE
            ),
            None
        );
    }

    #[test]
    fn bad_entries_name_the_key_and_the_accepted_actions() {
        let mut km = Keymap::default();
        let errs = km.merge_toml("[list]\n\"ctrl-q\" = \"frobnicate\"\n\"hyper-x\" = \"quit\"\n[lsit]\n\"a\" = \"quit\"\n");
        assert_eq!(errs.len(), 3, "{errs:?}");
        assert!(errs.iter().any(|e| e.contains("\"ctrl-q\"")
            && e.contains("unknown action `frobnicate`")
            && e.contains("invert_selection")));
        assert!(errs.iter().any(|e| e.contains("unknown key `hyper-x`")));
        assert!(
            errs.iter()
                .any(|e| e.contains("[lsit]") && e.contains("list"))
        );
    }

    #[test]
    fn text_is_typed_in_inputs_but_ctrl_c_still_quits() {
        let km = Keymap::default();
        let q = key(KeyCode::Char('q'), KeyModifiers::NONE);
        assert!(matches!(
            key_to_action(&km, Mode::input("search", &[]), &q),
            Some(Msg::Edit(_))
        ));
        assert_eq!(
            key_to_action(&km, Mode::section("list"), &q),
            Some(Command::Quit.into())
        );
        let cc = key(KeyCode::Char('c'), KeyModifiers::CONTROL);
        assert_eq!(
            key_to_action(&km, Mode::input("filter", &[]), &cc),
            Some(Command::Quit.into())
        );
        let esc = key(KeyCode::Esc, KeyModifiers::NONE);
        assert_eq!(
            key_to_action(&km, Mode::input("filter", &[]), &esc),
            Some(Command::Back.into())
        );
    }

    #[test]
    fn shifted_letters_match_uppercase_bindings() {
        let km = Keymap::default();
        let g = key(KeyCode::Char('G'), KeyModifiers::SHIFT);
        assert_eq!(
            key_to_action(&km, Mode::section("list"), &g),
            Some(Command::Bottom.into())
        );
        assert_eq!(KeyChord::parse("shift-g"), KeyChord::parse("G"));
    }

    #[test]
    fn load_reads_the_config_dir() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join(KEYMAP_FILE),
            "[detail]\n\"c\" = \"copy_id\"\n",
        )
        .unwrap();
        let (km, errs) = Keymap::load(Some(dir.path()));
        assert!(errs.is_empty());
        let c = key(KeyCode::Char('c'), KeyModifiers::NONE);
        assert_eq!(
            key_to_action(&km, Mode::section("detail"), &c),
            Some(Command::CopyId.into())
        );
        let (_, errs) = Keymap::load(Some(&dir.path().join("missing")));
        assert!(errs.is_empty());
    }
}
