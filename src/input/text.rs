//! Bytes to text: refuses binary files and encodings other than UTF-8 with a message that
//! says how to fix the file, instead of reading mojibake as user names.

use crate::input::error::CsvError;

/// Share of control characters above which a decoded file is called binary.
const MAX_CONTROL_SHARE: f64 = 0.10;

/// The file's text without its UTF-8 byte order mark.
pub fn decode(bytes: &[u8]) -> Result<&str, CsvError> {
    if bytes.starts_with(&[0xFF, 0xFE]) {
        return Err(CsvError::Utf16 {
            order: "little-endian, with a byte order mark".into(),
        });
    }
    if bytes.starts_with(&[0xFE, 0xFF]) {
        return Err(CsvError::Utf16 {
            order: "big-endian, with a byte order mark".into(),
        });
    }
    if let Some(order) = utf16_without_bom(bytes) {
        return Err(CsvError::Utf16 {
            order: order.into(),
        });
    }
    if let Some(at) = bytes.iter().position(|b| *b == 0) {
        return Err(CsvError::Binary {
            detail: format!("a NUL byte at offset {at}"),
        });
    }
    let (bom, body) = match bytes.strip_prefix(&[0xEF, 0xBB, 0xBF]) {
        Some(rest) => (3, rest),
        None => (0, bytes),
    };
    let text = std::str::from_utf8(body).map_err(|e| {
        let offset = bom + e.valid_up_to();
        CsvError::NotUtf8 {
            offset,
            line: 1 + bytes[..offset].iter().filter(|b| **b == b'\n').count(),
            byte: bytes.get(offset).copied().unwrap_or(0),
        }
    })?;
    let total = text.chars().count();
    let control = text
        .chars()
        .filter(|c| c.is_control() && !matches!(c, '\t' | '\r' | '\n'))
        .count();
    if total > 0 && control as f64 / total as f64 > MAX_CONTROL_SHARE {
        return Err(CsvError::Binary {
            detail: format!("{control} of {total} characters are control characters"),
        });
    }
    Ok(text)
}

/// UTF-16 saved without a byte order mark: ASCII text with a NUL in every other byte.
fn utf16_without_bom(bytes: &[u8]) -> Option<&'static str> {
    let sample = &bytes[..bytes.len().min(512) & !1];
    if sample.len() < 4 {
        return None;
    }
    let pairs = sample.len() / 2;
    let zero_at = |parity: usize| {
        sample
            .iter()
            .skip(parity)
            .step_by(2)
            .filter(|b| **b == 0)
            .count()
    };
    let (even, odd) = (zero_at(0), zero_at(1));
    if odd * 10 >= pairs * 9 && even == 0 {
        Some("little-endian, without a byte order mark")
    } else if even * 10 >= pairs * 9 && odd == 0 {
        Some("big-endian, without a byte order mark")
    } else {
        None
    }
}
