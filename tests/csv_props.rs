//! `read` is fed whatever the operator points it at: it must answer, never panic.

use proptest::prelude::*;
use scimitar::input::csv::read;

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn never_panics_on_arbitrary_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..600)) {
        let _ = read(&bytes);
    }

    #[test]
    fn never_panics_on_csv_like_text(
        text in "[a-zA-Z0-9@.,;\t\"\r\n _-]{0,300}",
        bom in any::<bool>(),
    ) {
        let mut bytes = if bom { vec![0xEF, 0xBB, 0xBF] } else { Vec::new() };
        bytes.extend_from_slice(text.as_bytes());
        if let Ok(input) = read(&bytes) {
            // Line numbers are real lines of the file, strictly increasing.
            let total = text.replace("\r\n", "\n").split(['\n', '\r']).count();
            let mut last = 0;
            for e in &input.entries {
                prop_assert!(e.line > last && e.line <= total, "{} of {}", e.line, total);
                last = e.line;
            }
        }
    }
}
