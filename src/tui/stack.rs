//! The one stack of layers (`State::layers`) and the trait its screens implement. The
//! reducer takes the top layer off the stack while it handles a key (so the layer can change
//! the whole state), then puts it back or does what the layer's [`Step`] says.
//!
//! Generic over the state so this module needs nothing from `state.rs` (which holds the
//! stack): no import circle. The screens themselves are in `screens/`.

use std::any::Any;

use ratatui::Frame;
use ratatui::layout::Rect;
use tui_input::InputRequest;

use crate::tui::effect::Effect;
use crate::tui::keymap::Mode;
use crate::tui::msg::Command;

/// One screen on the stack of layers.
pub trait Layer<S>: AsAny + Send {
    /// The keymap section its keys are read from (and the status bar's hints).
    fn mode(&self) -> Mode;
    /// The header's title while it is on top; `None` keeps the one of what is under it.
    fn title(&self) -> Option<String>;
    /// A popup: it has the keys, but the layers under it keep the title and the help.
    fn is_popup(&self) -> bool {
        false
    }
    /// A screen of the bulk flow (the selection, the action, the preview, the run...): of
    /// these only the top one is drawn, and the list offers the interrupted runs again when
    /// the last one closes.
    fn is_flow(&self) -> bool {
        false
    }
    /// A key command. Esc reaches it as [`Command::Back`].
    fn on_command(&mut self, command: Command, state: &mut S) -> Step<S>;
    /// An editing key, in a screen whose mode is an input.
    fn on_edit(&mut self, _request: InputRequest, _state: &mut S) -> Step<S> {
        Step::stay(Vec::new())
    }
    /// Draws it over the body of the screen.
    fn draw(&self, state: &S, frame: &mut Frame, body: Rect);
}

/// For the reducer's hooks and the tests, which look at one screen's own state; every
/// layer has it. Called on the layer itself (`&**boxed`), never on its box.
pub trait AsAny: Any {
    fn as_any(&self) -> &dyn Any;
    fn as_any_mut(&mut self) -> &mut dyn Any;
    fn into_any(self: Box<Self>) -> Box<dyn Any>;
}

impl<T: Any> AsAny for T {
    fn as_any(&self) -> &dyn Any {
        self
    }

    fn as_any_mut(&mut self) -> &mut dyn Any {
        self
    }

    fn into_any(self: Box<Self>) -> Box<dyn Any> {
        self
    }
}

/// What a layer asks for after handling a key: effects, and what becomes of it.
pub struct Step<S> {
    pub effects: Vec<Effect>,
    pub next: Next<S>,
}

pub enum Next<S> {
    /// It stays on top.
    Stay,
    /// It stays, and the key is not its own: the view under the stack gets it, as if the
    /// layer were not there (an input over the list lets its moves and ticks through).
    Pass,
    /// It leaves (Esc, done).
    Close,
    /// Another screen takes its place.
    Replace(Box<dyn Layer<S>>),
    /// Another screen opens over it.
    Push(Box<dyn Layer<S>>),
}

impl<S> Step<S> {
    pub fn stay(effects: Vec<Effect>) -> Step<S> {
        Step {
            effects,
            next: Next::Stay,
        }
    }

    /// Not its key: see [`Next::Pass`].
    pub fn pass() -> Step<S> {
        Step {
            effects: Vec::new(),
            next: Next::Pass,
        }
    }

    pub fn close(effects: Vec<Effect>) -> Step<S> {
        Step {
            effects,
            next: Next::Close,
        }
    }
}

/// The stack of layers, bottom first: the bulk flow's screens, the inputs, the popups, in the
/// order they opened. A flow screen opened while popups are up goes under them.
pub struct Stack<S> {
    layers: Vec<Entry<S>>,
    /// How many layers were ever pushed: what [`Stack::mark`] reads.
    pushed: u64,
}

struct Entry<S> {
    layer: Box<dyn Layer<S>>,
    /// When it was pushed (the count of pushes before it).
    when: u64,
}

impl<S> Default for Stack<S> {
    fn default() -> Self {
        Stack {
            layers: Vec::new(),
            pushed: 0,
        }
    }
}

/// The layers opened since a [`Stack::mark`], taken off to be put back on top.
pub struct Opened<S>(Vec<Entry<S>>);

impl<S: 'static> Stack<S> {
    /// Opens a layer on top; a flow screen goes under the popups that are up (a result that
    /// opens one does not hide the question being asked).
    pub fn push(&mut self, layer: Box<dyn Layer<S>>) {
        let at = if layer.is_flow() {
            let popups = self
                .layers
                .iter()
                .rev()
                .take_while(|e| e.layer.is_popup())
                .count();
            self.layers.len() - popups
        } else {
            self.layers.len()
        };
        self.insert(at, layer);
    }

    fn insert(&mut self, at: usize, layer: Box<dyn Layer<S>>) {
        let when = self.pushed;
        self.pushed += 1;
        self.layers.insert(at, Entry { layer, when });
    }

    fn push_top(&mut self, layer: Box<dyn Layer<S>>) {
        self.insert(self.layers.len(), layer);
    }

    pub fn pop(&mut self) -> Option<Box<dyn Layer<S>>> {
        self.layers.pop().map(|e| e.layer)
    }

    /// Where the stack is now: the layers pushed after it are [`Stack::opened_since`] it.
    pub fn mark(&self) -> u64 {
        self.pushed
    }

    /// Takes off the layers pushed since `mark` (a screen handling a key opened them while
    /// it was off the stack), in their order, to be put back over it.
    pub fn opened_since(&mut self, mark: u64) -> Opened<S> {
        let (opened, kept) = std::mem::take(&mut self.layers)
            .into_iter()
            .partition(|e| e.when >= mark);
        self.layers = kept;
        Opened(opened)
    }

    /// Puts back what [`Stack::opened_since`] took off, on top.
    pub fn reopen(&mut self, opened: Opened<S>) {
        self.layers.extend(opened.0);
    }

    /// The layer on top.
    pub fn top(&self) -> Option<&dyn Layer<S>> {
        self.layers.last().map(|e| &*e.layer)
    }

    /// The highest layer that is not a popup.
    pub fn top_screen(&self) -> Option<&dyn Layer<S>> {
        self.iter().rev().find(|l| !l.is_popup())
    }

    /// The bulk flow's screen on top, whatever is over it, if it is a `T`.
    pub fn top_flow<T: 'static>(&self) -> Option<&T> {
        let top = self.iter().rev().find(|l| l.is_flow())?;
        top.as_any().downcast_ref::<T>()
    }

    pub fn top_flow_mut<T: 'static>(&mut self) -> Option<&mut T> {
        let top = self.layers.iter_mut().rev().find(|e| e.layer.is_flow())?;
        (*top.layer).as_any_mut().downcast_mut::<T>()
    }

    /// The flow's screen under the one on top (what the confirmation shows under itself).
    pub fn flow_under_top(&self) -> Option<&dyn Layer<S>> {
        self.iter().rev().filter(|l| l.is_flow()).nth(1)
    }

    /// Puts `with` in the place of the flow's screen on top, if that is a `T`; false if not.
    pub fn replace_top_flow<T: 'static>(&mut self, with: Box<dyn Layer<S>>) -> bool {
        let Some(i) = self.layers.iter().rposition(|e| e.layer.is_flow()) else {
            return false;
        };
        if !(*self.layers[i].layer).as_any().is::<T>() {
            return false;
        }
        self.layers[i].layer = with;
        true
    }

    /// Takes the flow's screen on top off, if it is a `T`.
    pub fn remove_top_flow<T: 'static>(&mut self) -> Option<T> {
        let i = self.layers.iter().rposition(|e| e.layer.is_flow())?;
        if !(*self.layers[i].layer).as_any().is::<T>() {
            return None;
        }
        let e = self.layers.remove(i);
        e.layer.into_any().downcast::<T>().ok().map(|b| *b)
    }

    pub fn is_empty(&self) -> bool {
        self.layers.is_empty()
    }

    /// Bottom first, for drawing.
    pub fn iter(&self) -> impl DoubleEndedIterator<Item = &dyn Layer<S>> + ExactSizeIterator {
        self.layers.iter().map(|e| &*e.layer)
    }

    /// The nearest screen of type `T`, from the top.
    pub fn find<T: 'static>(&self) -> Option<&T> {
        self.layers
            .iter()
            .rev()
            .find_map(|e| (*e.layer).as_any().downcast_ref::<T>())
    }

    pub fn find_mut<T: 'static>(&mut self) -> Option<&mut T> {
        self.layers
            .iter_mut()
            .rev()
            .find_map(|e| (*e.layer).as_any_mut().downcast_mut::<T>())
    }

    /// Takes the top layer off if it is a `T`.
    pub fn pop_if<T: 'static>(&mut self) -> Option<T> {
        if !(*self.layers.last()?.layer).as_any().is::<T>() {
            return None;
        }
        let top = self.layers.pop()?;
        top.layer.into_any().downcast::<T>().ok().map(|b| *b)
    }

    /// Every layer of type `T`, bottom first.
    pub fn all<T: 'static>(&self) -> Vec<&T> {
        self.layers
            .iter()
            .filter_map(|e| (*e.layer).as_any().downcast_ref::<T>())
            .collect()
    }

    /// Takes every screen of type `T` off the stack.
    pub fn remove<T: 'static>(&mut self) {
        self.layers.retain(|e| !(*e.layer).as_any().is::<T>());
    }

    /// Takes the flow's screens off (a run takes the whole flow's place; Esc on a summary
    /// goes back to the list).
    pub fn remove_flow(&mut self) {
        self.layers.retain(|e| !e.layer.is_flow());
    }

    /// Any flow screen is up.
    pub fn has_flow(&self) -> bool {
        self.layers.iter().any(|e| e.layer.is_flow())
    }

    /// Puts a layer taken off for a key back on top, or does what its step says.
    pub fn apply(&mut self, layer: Box<dyn Layer<S>>, next: Next<S>) {
        match next {
            Next::Stay | Next::Pass => self.push_top(layer),
            Next::Close => {}
            Next::Replace(other) => self.push_top(other),
            Next::Push(other) => {
                self.push_top(layer);
                self.push_top(other);
            }
        }
    }
}
