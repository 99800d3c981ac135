//! Adaptive concurrency: halve on 429, grow back by one after a run of successes, never
//! above the configured ceiling (additive increase, multiplicative decrease).

#[derive(Debug, Clone)]
pub struct AdaptiveLimit {
    current: usize,
    ceiling: usize,
    streak: usize,
}

impl AdaptiveLimit {
    pub fn new(ceiling: usize) -> AdaptiveLimit {
        let ceiling = ceiling.max(1);
        AdaptiveLimit {
            current: ceiling,
            ceiling,
            streak: 0,
        }
    }

    pub fn current(&self) -> usize {
        self.current
    }

    pub fn rate_limited(&mut self) {
        self.current = (self.current / 2).max(1);
        self.streak = 0;
    }

    /// Slow growth: one more slot after twice the current number of clean completions.
    pub fn succeeded(&mut self) {
        self.streak += 1;
        if self.current < self.ceiling && self.streak >= 2 * self.current {
            self.current += 1;
            self.streak = 0;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn halves_then_grows_back_slowly() {
        let mut l = AdaptiveLimit::new(8);
        l.rate_limited();
        assert_eq!(l.current(), 4);
        l.rate_limited();
        l.rate_limited();
        l.rate_limited();
        assert_eq!(l.current(), 1);
        l.succeeded();
        assert_eq!(l.current(), 1);
        l.succeeded();
        assert_eq!(l.current(), 2);
        for _ in 0..1000 {
            l.succeeded();
        }
        assert_eq!(l.current(), 8);
    }
}
