//! A cursor and the first row shown: the scrolling of every list the flow screens draw.

/// A cursor and the first row shown, for scrolling lists.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Scroll {
    pub cursor: usize,
    pub offset: usize,
}

impl Scroll {
    /// Moves by `delta` within `len` rows, keeping the cursor inside a window of `height`.
    pub fn move_by(&mut self, delta: isize, len: usize, height: usize) {
        let max = len.saturating_sub(1) as isize;
        self.cursor = (self.cursor as isize).saturating_add(delta).clamp(0, max) as usize;
        self.keep_visible(height.max(1));
    }

    pub fn keep_visible(&mut self, height: usize) {
        if self.cursor < self.offset {
            self.offset = self.cursor;
        } else if self.cursor >= self.offset + height {
            self.offset = self.cursor + 1 - height;
        }
    }
}
