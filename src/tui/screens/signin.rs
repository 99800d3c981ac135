//! The sign-in screen: the users load was refused (HTTP 401) with password sign-in, so the
//! password is asked for again, masked, for the login it is for. Enter signs in again (the
//! effect side swaps the client's password, then the list reloads); three tries, then it
//! says so and Enter quits. Esc leaves it: the list stays as it is, "load failed". Other
//! sign-in methods (certificate, OAuth, bearer) keep the error popup.
//!
//! The password lives in a `SecretString` only: never drawn (one `•` per character), never
//! in Debug, effects carry it redacted.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph};
use secrecy::{ExposeSecret, SecretString};
use tui_input::InputRequest;

use crate::scim::ScimError;
use crate::scim::connection::AuthMethod;
use crate::tui::effect::{Effect, Password};
use crate::tui::failure::Failure;
use crate::tui::keymap::Mode;
use crate::tui::msg::Command;
use crate::tui::stack::{Layer, Step};
use crate::tui::state::State;
use crate::tui::text::safe;

/// Its keymap section: the password is typed; Enter signs in, Esc gives up.
pub const MODE: Mode = Mode::input("sign_in", &[Command::Apply, Command::Back]);

/// How many passwords the screen takes before it gives up.
pub const TRIES: u8 = 3;

pub struct SignIn {
    login: String,
    password: SecretString,
    /// Characters typed, for the mask.
    typed: usize,
    /// Passwords sent from this screen.
    tries: u8,
    /// A password was sent and the load it started has not ended.
    waiting: bool,
    /// What the server said to the last try (or to the first load).
    why: String,
}

impl SignIn {
    pub fn new(login: impl Into<String>, why: impl Into<String>) -> SignIn {
        SignIn {
            login: login.into(),
            password: SecretString::from(String::new()),
            typed: 0,
            tries: 0,
            waiting: false,
            why: why.into(),
        }
    }

    pub fn login(&self) -> &str {
        &self.login
    }

    pub fn tries(&self) -> u8 {
        self.tries
    }

    pub fn waiting(&self) -> bool {
        self.waiting
    }

    pub fn why(&self) -> &str {
        &self.why
    }

    /// Every try was used and refused.
    pub fn spent(&self) -> bool {
        self.tries >= TRIES && !self.waiting
    }

    /// How many characters are typed (what the mask shows).
    pub fn typed(&self) -> usize {
        self.typed
    }

    fn sign_in(&mut self, state: &mut State) -> Step<State> {
        if self.typed == 0 {
            self.why = "type the password first; Esc goes back to the list".into();
            return Step::stay(Vec::new());
        }
        self.tries += 1;
        self.waiting = true;
        let password = std::mem::replace(&mut self.password, SecretString::from(String::new()));
        self.typed = 0;
        let mut effects = vec![Effect::SignIn {
            password: Password(password),
        }];
        effects.extend(crate::tui::list::reload(state));
        effects.push(Effect::ListWorkspaces);
        Step::stay(effects)
    }
}

/// The hook of the reducer: a users load ended. A success closes the screen; a refused
/// password opens it (or tells it). Returns true when the screen says the failure, so no
/// error popup is needed.
pub fn load_ended(state: &mut State, result: &Result<u64, Failure>) -> bool {
    let Err(failure) = result else {
        if state.layers().find::<SignIn>().is_some() {
            state.layers_mut().remove::<SignIn>();
            let login = state.login().to_string();
            state.flash(format!("signed in as {}", safe(&login)));
        }
        return false;
    };
    if let Some(screen) = state.layers_mut().find_mut::<SignIn>() {
        screen.waiting = false;
        screen.why = failure.to_string();
        return true;
    }
    if !password_refused(failure) || state.login().is_empty() {
        return false;
    }
    let screen = SignIn::new(state.login(), failure.to_string());
    state.push_layer(Box::new(screen));
    true
}

/// A 401 to a sign-in with a login and password (Basic, or the token it gets).
fn password_refused(failure: &Failure) -> bool {
    let scim = std::error::Error::source(failure).and_then(|e| e.downcast_ref::<ScimError>());
    matches!(
        scim,
        Some(ScimError::Unauthorized {
            method: Some(AuthMethod::Basic | AuthMethod::Token),
            ..
        })
    )
}

impl Layer<State> for SignIn {
    fn mode(&self) -> Mode {
        MODE
    }

    fn title(&self) -> Option<String> {
        Some("Sign in".into())
    }

    fn on_command(&mut self, command: Command, state: &mut State) -> Step<State> {
        match command {
            Command::Back => Step::close(Vec::new()),
            Command::Apply if self.spent() => {
                // As `q` does: a batch running is asked about first.
                if state.run.running {
                    state.push_popup(crate::tui::state::Popup::ConfirmQuit);
                } else {
                    state.should_quit = true;
                }
                Step::stay(Vec::new())
            }
            Command::Apply if self.waiting => Step::stay(Vec::new()),
            Command::Apply => self.sign_in(state),
            _ => Step::stay(Vec::new()),
        }
    }

    fn on_edit(&mut self, request: InputRequest, _state: &mut State) -> Step<State> {
        if self.waiting || self.spent() {
            return Step::stay(Vec::new());
        }
        let mut text = self.password.expose_secret().to_string();
        match request {
            InputRequest::InsertChar(c) if !c.is_control() => text.push(c),
            InputRequest::DeletePrevChar => {
                text.pop();
            }
            InputRequest::DeleteLine
            | InputRequest::DeleteTillEnd
            | InputRequest::DeletePrevWord => text.clear(),
            _ => {}
        }
        self.typed = text.chars().count();
        self.password = SecretString::from(text);
        Step::stay(Vec::new())
    }

    fn draw(&self, state: &State, frame: &mut Frame, body: Rect) {
        let t = &state.theme;
        // The box grows with what the server said, so the prompt is never cut off.
        let width = 64.min(body.width);
        let text_width = width.saturating_sub(3) as usize;
        let mut lines = vec![
            Line::from(vec![
                Span::styled(" Login     ", t.dim),
                Span::styled(safe(&self.login), t.title),
            ]),
            Line::from(vec![
                Span::styled(" Tenant    ", t.dim),
                Span::raw(safe(&state.tenant)),
            ]),
            Line::from(""),
        ];
        for row in crate::tui::text::wrap(&safe(&self.why), text_width.saturating_sub(1)) {
            lines.push(Line::styled(format!(" {row}"), t.error));
        }
        lines.push(Line::from(""));
        lines.extend(self.prompt_lines(state, text_width));
        let rect = crate::tui::widgets::centered(body, width, lines.len() as u16 + 2);
        frame.render_widget(Clear, rect);
        let block = Block::default()
            .borders(Borders::ALL)
            .border_style(t.focus_border)
            .title(Line::styled(" Sign in ", t.title));
        let inner = block.inner(rect);
        frame.render_widget(block, rect);
        frame.render_widget(Paragraph::new(lines), inner);
    }
}

impl SignIn {
    /// The masked input and what Enter and Esc do now.
    fn prompt_lines(&self, state: &State, width: usize) -> Vec<Line<'static>> {
        let t = &state.theme;
        if self.waiting {
            return vec![Line::styled(" signing in…", t.progress)];
        }
        if self.spent() {
            return vec![
                Line::styled(format!(" {TRIES} tries were refused."), t.error),
                Line::styled(" Enter quits; Esc goes back to the list.", t.dim),
            ];
        }
        let mask = "•".repeat(self.typed.min(width.saturating_sub(12)));
        let left = TRIES - self.tries;
        vec![
            Line::from(vec![
                Span::styled(" Password  ", t.dim),
                Span::raw(mask),
                Span::styled("▏", t.key),
            ]),
            Line::styled(
                format!(" Enter signs in ({left} of {TRIES} tries left); Esc goes back."),
                t.dim,
            ),
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tui::msg::{Msg, Outcome};
    use crate::tui::state::{LoadState, Popup};
    use crate::tui::testing::{screen, typed};
    use crate::tui::update::{mode, update};

    fn refused(method: AuthMethod) -> Failure {
        Failure::from(ScimError::Unauthorized {
            detail: "invalid credentials".into(),
            method: Some(method),
        })
    }

    /// The TUI started with a wrong password: its first load was refused.
    fn refused_at_start(method: AuthMethod) -> State {
        let mut s = State::new("prod", "api.anaplan.example");
        s.set_login("admin@example.com");
        crate::tui::update::init(&mut s, None);
        update(
            &mut s,
            Outcome::Resize {
                width: 80,
                height: 24,
            },
        );
        end_load(&mut s, Err(refused(method)));
        s
    }

    fn end_load(s: &mut State, result: Result<u64, Failure>) {
        let generation = s.list.generation;
        update(s, Outcome::LoadFinished { generation, result });
    }

    fn sign_in(s: &State) -> &SignIn {
        s.layers()
            .find::<SignIn>()
            .expect("the sign-in screen is open")
    }

    fn enter(s: &mut State) -> Vec<Effect> {
        update(s, Command::Apply)
    }

    #[test]
    fn a_refused_password_opens_the_sign_in_screen_for_its_login_not_an_error_popup() {
        let s = refused_at_start(AuthMethod::Token);
        assert!(s.popups().is_empty(), "{:?}", s.popups());
        assert_eq!(mode(&s), MODE);
        assert_eq!(sign_in(&s).login(), "admin@example.com");
        assert!(
            sign_in(&s).why().contains("HTTP 401"),
            "{}",
            sign_in(&s).why()
        );
        let basic = refused_at_start(AuthMethod::Basic);
        assert_eq!(mode(&basic), MODE);
    }

    #[test]
    fn enter_sends_the_typed_password_and_reloads_then_a_success_closes_the_screen() {
        let mut s = refused_at_start(AuthMethod::Token);
        // `q` is typed into the password, it does not quit.
        let q = crate::tui::keymap::key_to_action(
            &s.keymap,
            mode(&s),
            &ratatui::crossterm::event::KeyEvent::from(ratatui::crossterm::event::KeyCode::Char(
                'q',
            )),
        );
        assert!(matches!(q, Some(Msg::Edit(_))), "{q:?}");
        typed(&mut s, "s3cret-q");
        assert_eq!(sign_in(&s).typed(), 8);
        let before = s.list.generation;
        let effects = enter(&mut s);
        let password = Password(SecretString::from("s3cret-q"));
        assert_eq!(effects.first(), Some(&Effect::SignIn { password }));
        assert!(
            effects.contains(&Effect::LoadUsers {
                generation: before + 1,
                filter: None
            }),
            "{effects:?}"
        );
        assert!(sign_in(&s).waiting());
        assert_eq!(sign_in(&s).typed(), 0, "the password is not kept once sent");
        // A second Enter while it signs in sends nothing.
        assert!(enter(&mut s).is_empty());
        end_load(&mut s, Ok(0));
        assert!(s.layers().find::<SignIn>().is_none());
        assert_eq!(s.list.load, LoadState::Done);
        assert_eq!(mode(&s), crate::tui::screens::users::MODE);
        assert!(s.popups().is_empty());
    }

    #[test]
    fn three_refused_tries_say_so_and_enter_then_quits() {
        let mut s = refused_at_start(AuthMethod::Token);
        for try_no in 1..=TRIES {
            typed(&mut s, "wrong");
            assert!(!enter(&mut s).is_empty());
            end_load(&mut s, Err(refused(AuthMethod::Token)));
            assert_eq!(sign_in(&s).tries(), try_no);
        }
        assert!(sign_in(&s).spent());
        assert!(s.popups().is_empty());
        // No fourth try: typing does nothing and Enter quits.
        typed(&mut s, "again");
        assert_eq!(sign_in(&s).typed(), 0);
        assert!(
            screen(&s).contains("3 tries were refused"),
            "{}",
            screen(&s)
        );
        enter(&mut s);
        assert!(s.should_quit);
    }

    #[test]
    fn enter_after_the_last_try_while_a_run_goes_asks_first_over_the_screen() {
        let mut s = refused_at_start(AuthMethod::Token);
        for _ in 1..=TRIES {
            typed(&mut s, "wrong");
            enter(&mut s);
            end_load(&mut s, Err(refused(AuthMethod::Token)));
        }
        s.run.running = true;
        enter(&mut s);
        assert!(!s.should_quit);
        // The question opened while the screen handled the key is on top of it, with the keys.
        assert_eq!(s.popup(), Some(&Popup::ConfirmQuit));
        assert_eq!(mode(&s), Mode::Popup);
        update(&mut s, Command::Back);
        assert_eq!(mode(&s), MODE);
    }

    #[test]
    fn enter_with_nothing_typed_asks_for_the_password_and_uses_no_try() {
        let mut s = refused_at_start(AuthMethod::Token);
        assert!(enter(&mut s).is_empty());
        assert_eq!(sign_in(&s).tries(), 0);
        assert!(sign_in(&s).why().contains("type the password"));
    }

    #[test]
    fn esc_leaves_it_for_the_list_that_says_load_failed() {
        let mut s = refused_at_start(AuthMethod::Token);
        typed(&mut s, "half");
        update(&mut s, Command::Back);
        assert!(s.layers().is_empty());
        assert!(matches!(s.list.load, LoadState::Failed(_)));
        assert_eq!(mode(&s), crate::tui::screens::users::MODE);
        assert!(screen(&s).contains("load failed"), "{}", screen(&s));
    }

    #[test]
    fn other_sign_in_methods_keep_the_error_popup() {
        for method in [AuthMethod::Cert, AuthMethod::Oauth, AuthMethod::Bearer] {
            let s = refused_at_start(method);
            assert!(s.layers().find::<SignIn>().is_none(), "{method:?}");
            assert!(
                matches!(s.popup(), Some(Popup::Error { .. })),
                "{method:?}: {:?}",
                s.popups()
            );
        }
        // Neither does a failure that is not a 401.
        let mut s = State::new("prod", "t");
        s.set_login("admin@example.com");
        crate::tui::update::init(&mut s, None);
        end_load(&mut s, Err(Failure::from("connection refused")));
        assert!(s.layers().find::<SignIn>().is_none());
        assert!(!s.popups().is_empty());
    }

    #[test]
    fn the_password_is_never_drawn_and_the_screen_names_the_login() {
        let mut s = refused_at_start(AuthMethod::Token);
        typed(&mut s, "hunter2");
        let shown = screen(&s);
        assert!(!shown.contains("hunter2"), "{shown}");
        assert!(shown.contains("•••••••"), "{shown}");
        insta::assert_snapshot!(shown);
    }
}
