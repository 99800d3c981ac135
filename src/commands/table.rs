//! Plain-text tables for headless output: columns padded to the widest cell by display width
//! (cells are already sanitised), the last column left unpadded so lines carry no trailing blanks.

use std::io::Write;

use crate::untrusted;

/// Writes `header` and `rows`; columns for which `right` is true are right-aligned (counts).
pub fn write<S: AsRef<str>>(
    out: &mut impl Write,
    header: &[&str],
    rows: &[Vec<S>],
    right: impl Fn(usize) -> bool,
) -> std::io::Result<()> {
    let mut widths: Vec<usize> = header.iter().map(|h| untrusted::width(h)).collect();
    for r in rows {
        for (w, c) in widths.iter_mut().zip(r) {
            *w = (*w).max(untrusted::width(c.as_ref()));
        }
    }
    let line = |cells: &[&str]| {
        let mut s = String::new();
        for (i, (c, w)) in cells.iter().zip(&widths).enumerate() {
            if i + 1 == cells.len() {
                s.push_str(c);
            } else if right(i) {
                s.push_str(&" ".repeat(w.saturating_sub(untrusted::width(c))));
                s.push_str(c);
                s.push_str("  ");
            } else {
                s.push_str(&untrusted::pad(c, *w));
                s.push_str("  ");
            }
        }
        s.trim_end().to_string()
    };
    writeln!(out, "{}", line(header))?;
    for r in rows {
        let cells: Vec<&str> = r.iter().map(AsRef::as_ref).collect();
        writeln!(out, "{}", line(&cells))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn pads_by_width_and_right_aligns_counts() {
        let mut out = Vec::new();
        let rows = vec![vec!["zoë", "7", "x"], vec!["a", "12", "yy"]];
        super::write(&mut out, &["NAME", "N", "END"], &rows, |i| i == 1).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert_eq!(text, "NAME   N  END\nzoë    7  x\na     12  yy\n");
    }
}
