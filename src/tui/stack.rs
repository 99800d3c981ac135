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
    /// A screen of the bulk flow (the review): while one is up the flow is not over, so
    /// leaving a flow screen over it does not count as back on the list.
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
    /// It stays, and the key is not its own: what is under the stack (the flow, the list)
    /// gets it, as if the layer were not there (an input over the list lets its moves and
    /// ticks through).
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

/// The stack of layers, bottom first. Each layer remembers how deep the bulk flow (not yet
/// on this stack) was when it opened, so the two keep the order they were opened in: a flow
/// screen opened later covers it until it closes. Popups are over everything.
pub struct Stack<S> {
    layers: Vec<Entry<S>>,
    /// How many layers were ever pushed: what [`Stack::mark`] reads.
    pushed: u64,
}

struct Entry<S> {
    layer: Box<dyn Layer<S>>,
    /// The flow's depth when it opened.
    at: usize,
    /// When it was pushed (the count of pushes before it).
    when: u64,
}

/// The depth of a popup: over every flow screen.
pub const OVER_ALL: usize = usize::MAX;

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
    /// Opens a layer over a flow of `flow` screens (or [`OVER_ALL`]).
    pub fn push(&mut self, layer: Box<dyn Layer<S>>, flow: usize) {
        self.layers.push(Entry {
            layer,
            at: flow,
            when: self.pushed,
        });
        self.pushed += 1;
    }

    pub fn pop(&mut self) -> Option<(Box<dyn Layer<S>>, usize)> {
        self.layers.pop().map(|e| (e.layer, e.at))
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

    /// The top layer, if no flow screen opened after it covers it (the flow has `flow`
    /// screens now).
    pub fn top(&self, flow: usize) -> Option<&dyn Layer<S>> {
        self.layers
            .last()
            .filter(|e| e.at >= flow)
            .map(|e| &*e.layer)
    }

    /// How many layers from the bottom a flow screen opened after them covers.
    pub fn covered(&self, flow: usize) -> usize {
        let open = self
            .layers
            .iter()
            .rev()
            .take_while(|e| e.at >= flow)
            .count();
        self.layers.len() - open
    }

    /// The highest layer that is not a popup and no flow screen covers.
    pub fn top_screen(&self, flow: usize) -> Option<&dyn Layer<S>> {
        self.layers
            .iter()
            .rev()
            .take_while(|e| e.at >= flow)
            .find(|e| !e.layer.is_popup())
            .map(|e| &*e.layer)
    }

    pub fn is_empty(&self) -> bool {
        self.layers.is_empty()
    }

    pub fn len(&self) -> usize {
        self.layers.len()
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

    /// Takes the flow's screens off (a run takes the whole flow's place).
    pub fn remove_flow(&mut self) {
        self.layers.retain(|e| !e.layer.is_flow());
    }

    /// Any flow screen is up.
    pub fn has_flow(&self) -> bool {
        self.layers.iter().any(|e| e.layer.is_flow())
    }

    /// Puts a layer taken off for a key back (at its depth `at`), or does what its step
    /// says; a layer it opens is over the flow of `flow` screens there is now.
    pub fn apply(&mut self, layer: Box<dyn Layer<S>>, at: usize, next: Next<S>, flow: usize) {
        match next {
            Next::Stay | Next::Pass => self.push(layer, at),
            Next::Close => {}
            Next::Replace(other) => self.push(other, at),
            Next::Push(other) => {
                self.push(layer, at);
                self.push(other, flow);
            }
        }
    }
}
